using System.Diagnostics;
using System.Globalization;
using HuntEngine.Scanning;

namespace HuntEngine.Cli;

/// <summary>
/// The live progress line of a long scan, on stderr, redrawn with <c>\r</c> four times a second and
/// cleared at the end: bytes read of the input files' total (sizes on disk, known up front), MB/s,
/// ETA, files, records and detections so far. Shown only where stderr is a terminal and not
/// <c>--quiet</c>, so logs, pipes and tests never get it. Colour: the line is dim unless
/// <c>NO_COLOR</c> is set (https://no-color.org), then plain text.
/// <para>
/// Hand-written rather than Spectre.Console: one <c>\r</c> line is all it needs, and Spectre's live
/// display writes to the process console itself (not the <see cref="TextWriter"/> the command is
/// given) and would add a dependency to the CLI for it. The display thread only reads the scan's
/// <see cref="ScanProgress"/> counters, which the engine updates lock-free once per block, so the
/// scan does not slow down.
/// </para>
/// </summary>
internal sealed class ProgressLine : IDisposable
{
    private const int RefreshMilliseconds = 250;
    private readonly TextWriter _err;
    private readonly ScanProgress _progress;
    private readonly bool _color;
    private readonly int _width;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;
    private int _shown;

    public ProgressLine(TextWriter err, ScanProgress progress)
    {
        _err = err;
        _progress = progress;
        _color = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        _width = TerminalWidth();
        _thread = new Thread(Loop) { IsBackground = true, Name = "hunt-progress" };
        _thread.Start();
    }

    /// <summary>Only on a terminal: the process's own stderr, not redirected, and not <c>--quiet</c>.</summary>
    public static bool ShouldShow(TextWriter stderr, bool quiet) =>
        !quiet && ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;

    private void Loop()
    {
        while (!_stop.Wait(RefreshMilliseconds)) Draw(Format(_progress.Read(), _clock.Elapsed));
    }

    private void Draw(string text)
    {
        if (text.Length > _width - 1) text = text[..(_width - 1)];
        // Pad over what the last line showed, so a shorter line leaves nothing behind.
        string padded = text.PadRight(_shown);
        _err.Write(_color ? $"\r\e[2m{padded}\e[0m" : $"\r{padded}");
        _err.Flush();
        _shown = text.Length;
    }

    /// <summary>The line's text, e.g. <c>1.2 GB of 4.0 GB (31%)  412 MB/s  ETA 0:07  files 3/12  records 1,234,567  detections 42</c>.</summary>
    internal static string Format(ScanProgress.Snapshot s, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        if (s.FilesTotal == 0) return "listing input files...";
        double seconds = elapsed.TotalSeconds;
        double rate = seconds > 0 ? s.BytesDone / seconds : 0;
        string percent = s.BytesTotal > 0 ? (100.0 * s.BytesDone / s.BytesTotal).ToString("F0", inv) : "100";
        double left = rate > 0 ? (s.BytesTotal - s.BytesDone) / rate : double.PositiveInfinity;
        string eta = seconds >= 1 && left < 100 * 3600 ? Duration(TimeSpan.FromSeconds(left)) : "--";
        return $"{Bytes(s.BytesDone)} of {Bytes(s.BytesTotal)} ({percent}%)  {(rate / 1e6).ToString("F0", inv)} MB/s  ETA {eta}  " +
               $"files {s.FilesDone}/{s.FilesTotal}  records {s.RecordsFramed.ToString("N0", inv)}  detections {s.Detections.ToString("N0", inv)}";
    }

    private static string Bytes(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("F1", CultureInfo.InvariantCulture) + " GB",
        >= 1_000_000 => (n / 1e6).ToString("F1", CultureInfo.InvariantCulture) + " MB",
        _ => (n / 1e3).ToString("F1", CultureInfo.InvariantCulture) + " kB",
    };

    private static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes}:{t.Seconds:00}";

    private static int TerminalWidth()
    {
        try
        {
            if (Console.WindowWidth > 10) return Console.WindowWidth;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            // no size known (stdout is a pipe on some platforms): fall back below
        }
        return int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out int c) && c > 10 ? c : 80;
    }

    /// <summary>Stops the display and clears the line, so what follows starts on a clean line.</summary>
    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        if (_shown > 0)
        {
            _err.Write("\r" + new string(' ', _shown) + "\r");
            _err.Flush();
        }
        _stop.Dispose();
    }
}
