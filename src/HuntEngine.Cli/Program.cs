using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HuntEngine.Cli;

// hunt: offline T1585.003 hunting over Microsoft 365 / Entra ID archives. See README.md.
return Cli.Run(args, Console.Out, Console.Error);

namespace HuntEngine.Cli
{
    internal static class Cli
    {
        /// <summary>Store part formats: <c>hunt convert --format</c> writes one, <c>hunt scan</c> reads both.</summary>
        public static readonly IReadOnlyList<HuntEngine.Batches.StoreFormat> StoreFormats =
            [HuntEngine.Batches.StoreFormat.Arrow, HuntEngine.Parquet.ParquetStoreFormat.Instance];

        public const string Usage = """
            hunt scan PATH... [options]     hunt files and folders (any mix of NDJSON, JSON arrays, Graph/Azure
                                            wrappers; plain, gzip, LZ4 or zstd) for T1585.003 detections

              -o, --out FILE                detections file (default: detections.arrow, or detections.parquet)
              --format arrow|parquet        detections file format (default: arrow; same columns either way)
              --compression none|lz4|zstd   Arrow IPC buffer compression (default: none; Parquet is Snappy)
              --stdout ndjson|csv           stream detections to stdout (for pipes: | jq, | xsv); the summary
                                            goes to stderr, and no file is written unless -o is given
              --summary-json FILE           also write the summary as JSON
              --from T, --to T              only records in [from, to) (ISO 8601; no zone = UTC)
              --last DURATION               only the last DURATION before --now (7d, 24h, 90m):
                                            the same as --from NOW-DURATION --to NOW
              --now T                       the "now" of --last (default: the current time)
              --threads N                   worker threads (default: all cores); 1: the whole scan on one thread
              --max-record-bytes N          larger records are reported and skipped (default 64 MiB)
              --max-depth N                 deepest JSON nesting of a record (default 10000)
              --rejects FILE                write every rejected record (file, offset, reason, bytes) as NDJSON
              --max-decompressed-bytes N    bomb guard: most bytes one compressed file may give (default 256 GiB)
              --max-ratio N                 bomb guard: most decompressed bytes per compressed byte, past 64 MiB
                                            (default: no limit)
              --max-errors-per-file N       stop reading a file after N bad records (default: no limit)
              --detection-memory N          bytes of detections held in memory; the rest wait in TMPDIR
                                            until the output is written (default 128 MiB)
              --validate                    parse every record (no prefilter): complete kind and malformed counts
              --no-mmap                     read plain files instead of mapping them: for files that may shrink
                                            or fail to read while scanned (a mapped file that does ends the
                                            process; files written in the last minute are read anyway)
              --show N                      detections printed on the terminal (default 20)
              -q, --quiet                   print nothing but errors (and no progress line; it shows only
                                            when stderr is a terminal)

            hunt convert PATH... -o DIR     write every record's normalized columns (plus kind, source file and
              [--format arrow|parquet]      offset; raw text with --keep-raw) as part files; then `hunt scan DIR`
              [--keep-raw]                  hunts them without parsing: scan once, hunt many. Arrow (default)
              [--rows-per-part N]           is the fastest to hunt again; Parquet opens in DuckDB and Spark

            hunt --version                  the build (version, commit, runtime)

            exit status: 0 detections, 1 none, 2 could not run, 3 bad input and no detections,
                         4 bad input and detections, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM)
            """;

        public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                stdout.WriteLine(Usage);
                return args.Length == 0 ? ExitCode.CouldNotRun : 0;
            }
            if (args[0] is "--version" or "version")
            {
                // The build that ran a hunt is part of its record (the summary JSON does not say it).
                var version = typeof(Cli).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                    .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
                stdout.WriteLine($"hunt {version} (.NET {Environment.Version}{(RuntimeFeature.IsDynamicCodeSupported ? "" : ", Native AOT")})");
                return 0;
            }
            using var cancel = new CancellationTokenSource();
            int stop = ExitCode.Interrupted;
            // Ctrl-C and SIGTERM stop the scan (within a block) instead of killing the process, so no
            // temporary result is left behind and the summary can say what was scanned.
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop = ExitCode.Interrupted; cancel.Cancel(); });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop = ExitCode.Terminated; cancel.Cancel(); });
            switch (args[0])
            {
                case "scan":
                    if (args.Length > 1 && args[1] is "-h" or "--help") { stdout.WriteLine(Usage); return 0; }
                    return ScanCommand.Run(args[1..], stdout, stderr, cancel.Token, () => stop);
                case "convert":
                    return ConvertCommand.Run(args[1..], stdout, stderr, cancel.Token);
                default:
                    stderr.WriteLine($"hunt: unknown command '{args[0]}'");
                    stderr.WriteLine(Usage);
                    return ExitCode.CouldNotRun;
            }
        }
    }
}
