using System.Globalization;
using HuntEngine.Scanning;
using HuntEngine.Sinks;

namespace HuntEngine.Cli;

/// <summary>
/// <c>hunt convert PATH... -o DIR [--keep-raw]</c>: scan once, hunt many. Every record's normalized
/// columns, kind, source file and offset go to Arrow or Parquet part files in DIR; <c>hunt scan DIR</c> then
/// hunts them without parsing JSON, with the same detections (a null <c>raw</c> unless --keep-raw).
/// </summary>
internal static class ConvertCommand
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var paths = new List<string>();
        string? output = null;
        bool keepRaw = false;
        int threads = Environment.ProcessorCount;
        long rowsPerPart = 1_000_000;
        var format = HuntEngine.Batches.StoreFormat.Arrow;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string arg = args[i];
                string Value() => i + 1 < args.Length ? args[++i] : throw new HuntConfigurationException($"{arg} needs a value");
                switch (arg)
                {
                    case "-o":
                    case "--out": output = Value(); break;
                    case "--keep-raw": keepRaw = true; break;
                    case "--format":
                        string name = Value();
                        format = Cli.StoreFormats.FirstOrDefault(f => f.Name == name)
                            ?? throw new HuntConfigurationException($"--format '{name}': supported: {string.Join(", ", Cli.StoreFormats.Select(f => f.Name))}");
                        break;
                    case "--threads": threads = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int t) && t is >= 1 and <= 1024 ? t : throw new HuntConfigurationException("--threads: expected 1 to 1024"); break;
                    case "--rows-per-part": rowsPerPart = long.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out long r) && r >= 1000 ? r : throw new HuntConfigurationException("--rows-per-part: expected at least 1000"); break;
                    default:
                        if (arg.StartsWith('-') && arg.Length > 1) throw new HuntConfigurationException($"unknown option '{arg}'");
                        paths.Add(arg);
                        break;
                }
            }
            if (paths.Count == 0) throw new HuntConfigurationException("no input PATH given");
            if (output is null) throw new HuntConfigurationException("-o DIR is required: the folder the store is written to");
            if (File.Exists(output))
                throw new HuntConfigurationException($"output folder '{output}' is a file: name a new or empty folder");
            if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
                throw new HuntConfigurationException($"output folder '{output}' exists and is not empty");
            foreach (var p in paths)
                if (!File.Exists(p) && !Directory.Exists(p)) throw new HuntConfigurationException($"input path not found: '{p}'");
        }
        catch (HuntConfigurationException e)
        {
            stderr.WriteLine($"hunt convert: {e.Message}");
            stderr.WriteLine("usage: hunt convert PATH... -o DIR [--format arrow|parquet] [--keep-raw] [--rows-per-part N] [--threads N]");
            return ExitCode.CouldNotRun;
        }

        ScanResult result;
        try
        {
            result = HuntScanner.Run(new ScanOptions
            {
                Paths = paths,
                Threads = threads,
                Prefilter = false, // the store holds every record
                Store = new StoreOptions(output, keepRaw, rowsPerPart) { Format = format },
                StoreFormats = Cli.StoreFormats,
            }, cancel);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is IOException or UnauthorizedAccessException))
        {
            // Writing a part failed (disk full, permissions): say so
            // plainly. Whole parts already renamed stay; the store is not complete.
            stderr.WriteLine($"hunt convert: the store could not be written: {e.InnerExceptions[0].Message}");
            stderr.WriteLine($"hunt convert: '{output}' is incomplete; delete it before converting again");
            return ExitCode.CouldNotRun;
        }
        using var owned = result;
        var s = result.Summary;
        if (s.Interrupted)
        {
            stderr.WriteLine("hunt convert: interrupted; the store is incomplete");
            return ExitCode.Interrupted;
        }
        var parts = Directory.GetFiles(output, "*" + format.Extension);
        long storeBytes = parts.Sum(f => new FileInfo(f).Length);
        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine($"store        {output}: {parts.Length} {format.Name} parts, {storeBytes.ToString("N0", inv)} bytes{(keepRaw ? " (with raw)" : "")}");
        stdout.WriteLine($"input        {s.Files.Count} files, {s.CompressedBytes.ToString("N0", inv)} bytes on disk, {s.DecompressedBytes.ToString("N0", inv)} decompressed");
        stdout.WriteLine($"records      {s.RecordsParsed.ToString("N0", inv)} stored, {s.Malformed.ToString("N0", inv)} malformed, {s.Oversized.ToString("N0", inv)} oversized (not stored)");
        stdout.WriteLine($"elapsed      {s.Elapsed.TotalSeconds.ToString("F2", inv)} s, {s.MegabytesPerSecond(s.DecompressedBytes).ToString("F1", inv)} MB/s");
        foreach (var f in s.Files.Where(f => f.Error is not null)) stdout.WriteLine($"failed file  {f.Path}: {f.Error}");
        return s.HadBadInput ? ExitCode.BadInputNoDetections : 0;
    }
}
