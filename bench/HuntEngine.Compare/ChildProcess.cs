using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HuntEngine.Compare;

/// <summary>What one timed child run gave.</summary>
/// <param name="CpuSeconds">User + system CPU time of the child (and what it waited for), when GNU time measured it.</param>
internal sealed record ChildResult(int ExitCode, double WallSeconds, long PeakRssBytes, double? CpuSeconds, string Stdout, string Stderr);

/// <summary>
/// Runs a tool as a child process and measures its wall time (a stopwatch around start and exit)
/// and its peak resident set. The peak comes from GNU time (<c>/usr/bin/time -f %M</c>: the
/// kernel's max RSS of the child, which for <c>bash -c</c> covers the command bash waited for);
/// without it, <c>VmHWM</c> of the direct child is polled every 20 ms, which can miss a short peak
/// and does not see grandchildren.
/// </summary>
internal static class ChildProcess
{
    private const string GnuTime = "/usr/bin/time";

    public static bool HasGnuTime { get; } = File.Exists(GnuTime);

    public static string MemoryMethod => HasGnuTime
        ? "peak RSS from `/usr/bin/time -f '%e %M %U %S'` (the kernel's max RSS of the child)"
        : "peak RSS from polling /proc/PID/status VmHWM every 20 ms (GNU time not found)";

    public static ChildResult Run(string fileName, IReadOnlyList<string> arguments, string scratchDirectory)
    {
        string? timeFile = null;
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (HasGnuTime)
        {
            timeFile = Path.Combine(scratchDirectory, $"time-{Environment.ProcessId}.txt");
            psi.FileName = GnuTime;
            foreach (string a in (string[])["-f", "%e %M %U %S", "-o", timeFile, fileName]) psi.ArgumentList.Add(a);
        }
        else
        {
            psi.FileName = fileName;
        }
        foreach (string a in arguments) psi.ArgumentList.Add(a);

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long polledPeak = 0;
        if (timeFile is null)
        {
            while (!process.WaitForExit(20)) polledPeak = Math.Max(polledPeak, ReadVmHwm(process.Id));
        }
        process.WaitForExit();
        clock.Stop();

        long peak = polledPeak;
        double? cpu = null;
        if (timeFile is not null && File.Exists(timeFile))
        {
            // GNU time writes "Command exited with non-zero status N" before the format line when N != 0.
            string? line = File.ReadAllLines(timeFile).LastOrDefault(l => l.Length > 0);
            var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is { Length: 4 } && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kib))
            {
                peak = kib * 1024;
                if (double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double user)
                    && double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double system))
                    cpu = user + system;
            }
            File.Delete(timeFile);
        }
        return new ChildResult(process.ExitCode, clock.Elapsed.TotalSeconds, peak, cpu, stdout.ToString(), stderr.ToString());
    }

    private static long ReadVmHwm(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
            // the process is gone: keep the last reading
        }
        return 0;
    }

    /// <summary>CPU seconds all processes spent busy (not idle or waiting on I/O) since boot, from /proc/stat; null where it cannot be read.</summary>
    public static double? MachineBusySeconds()
    {
        try
        {
            string? cpu = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (cpu is null) return null;
            var f = cpu.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal: busy = all but idle and iowait, in USER_HZ (100 on Linux).
            long busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
            return busy / 100.0;
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
