using System.Globalization;
using HuntEngine.Compare;

// hunt-compare: times the hunt CLI against DuckDB, ripgrep and cat on generated corpora (bench/README.md).
// The hidden worker commands are how it runs DuckDB and the bare decompressors in child processes.
try
{
    return args switch
    {
        ["duckdb-worker", var file, var threads, .. var rest] => DuckDbHunt.RunWorker(file,
            int.Parse(threads, CultureInfo.InvariantCulture),
            rest.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "auto_detect",
            printQuery: rest.Contains("--sql"), list: rest.Contains("--list")),
        ["decompress-worker", var file] => DecompressWorker.Run(file),
        ["decompress-worker", var file, "k4os"] => DecompressWorker.Run(file, k4osLz4: true),
        ["duckdb-store-worker", var store, var threads, .. var rest] => DuckDbHunt.RunSql(
            DuckDbHunt.StoreQuery(store), int.Parse(threads, CultureInfo.InvariantCulture), printQuery: rest.Contains("--sql"), list: false),
        ["-h" or "--help" or "help", ..] => Help(),
        _ => CompareCommand.Run(args),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"hunt-compare: {e.Message}");
    Console.Error.WriteLine(ComparisonOptions.Usage);
    return 2;
}

static int Help()
{
    Console.WriteLine(ComparisonOptions.Usage);
    return 0;
}

namespace HuntEngine.Compare
{
    /// <summary>The comparison itself: prepare corpora, warm the page cache, time every tool on every file, report.</summary>
    internal static class CompareCommand
    {
        public static int Run(string[] args)
        {
            var options = ComparisonOptions.Parse(args);
            var log = Console.Error;
            bool timesHunt = options.Tools.Contains("hunt") || options.Tools.Contains("hunt-all") || options.Store;
            if (options.Aot && options.HuntGiven)
                throw new ArgumentException("--aot publishes hunt; --hunt times a given build: give one of them");
            if (timesHunt && options.HuntGiven && !File.Exists(options.HuntDll))
                throw new ArgumentException($"hunt.dll not found at '{options.HuntDll}': build with `dotnet build -c Release src/HuntEngine.Cli` or pass --hunt PATH");

            var started = DateTime.UtcNow;
            bool ownWork = options.WorkDirectory is null;
            string work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), $"hunt-compare-{Environment.ProcessId}");
            string scratch = Path.Combine(work, "runs");
            Directory.CreateDirectory(scratch);
            log.WriteLine($"hunt-compare: work folder {work}");
            try
            {
                string builtHunt = options.HuntDll;
                if (timesHunt && options.HuntGiven)
                {
                    // Time a private copy: a build elsewhere (tests, an IDE) must not swap hunt.dll between runs.
                    options = options with { HuntDll = SnapshotDirectory(builtHunt, Path.Combine(work, "hunt-bin")) };
                    builtHunt = $"`{builtHunt}`, timed from a copy";
                    log.WriteLine($"hunt-compare: timing a copy of {options.HuntDll}");
                }
                else if (timesHunt)
                {
                    // Time hunt as README installs it: published self-contained, one composite ReadyToRun image.
                    options = options with { HuntDll = Publish(Path.Combine(work, "hunt-bin"), log, options.Aot) };
                    builtHunt = options.Aot
                        ? $"`dotnet publish {Path.GetRelativePath(Environment.CurrentDirectory, ComparisonOptions.HuntProject)} -c Release -r {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier} --self-contained -p:PublishAot=true` (Native AOT, x86-64-v3)"
                        : $"`dotnet publish {Path.GetRelativePath(Environment.CurrentDirectory, ComparisonOptions.HuntProject)} -c Release -r {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier} --self-contained` (composite ReadyToRun, tiered compilation off)";
                }
                string loadBefore = LoadAverage();
                var catalog = new ToolCatalog(options, scratch);
                var results = new List<FileComparison>();
                var created = new List<string>();
                foreach (var mix in options.Mixes)
                {
                    log.WriteLine($"{CorpusFiles.MixName(mix)} mix:");
                    var corpus = CorpusFiles.Prepare(work, mix, options, log);
                    created.AddRange(corpus.Created);
                    var files = new[] { corpus.Plain }.Concat(corpus.Compressed).ToList();
                    foreach (var f in files) ToolCatalog.WarmPageCache(f.Path);
                    foreach (var f in files)
                    {
                        log.WriteLine($"  timing {Path.GetFileName(f.Path)} ({f.DecompressedBytes / 1e6:F1} MB decompressed)");
                        results.Add(Comparison.Run(corpus, f, catalog, options, scratch, log));
                    }
                }

                string report = MarkdownReport.Write(options, args, results, catalog, started, builtHunt, loadBefore, LoadAverage());
                if (!options.Keep)
                    foreach (string f in created) File.Delete(f); // what an earlier --keep run left is reused and left alone
                Console.WriteLine(report);
                if (options.ReportPath is { } path)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.WriteAllText(path, report);
                    log.WriteLine($"hunt-compare: report written to {path}");
                }
                return 0;
            }
            finally
            {
                // Without --keep: the whole temp folder, or in a given --work folder the run outputs and copies.
                if (!options.Keep && Directory.Exists(work))
                {
                    if (ownWork) Directory.Delete(work, recursive: true);
                    else
                    {
                        Directory.Delete(scratch, recursive: true);
                        if (Directory.Exists(Path.Combine(work, "hunt-bin"))) Directory.Delete(Path.Combine(work, "hunt-bin"), recursive: true);
                    }
                }
            }
        }

        /// <summary>Publishes src/HuntEngine.Cli self-contained (composite ReadyToRun, as its project sets) into <paramref name="target"/>; returns hunt.dll there.</summary>
        /// <summary>Publishes hunt into <paramref name="target"/>; returns hunt.dll, or the native hunt of a Native AOT publish.</summary>
        private static string Publish(string target, TextWriter log, bool aot)
        {
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            string rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
            log.WriteLine($"hunt-compare: publishing {ComparisonOptions.HuntProject} for {rid} into {target}{(aot ? " (Native AOT)" : "")}");
            List<string> args = ["publish", ComparisonOptions.HuntProject, "-c", "Release", "-r", rid, "--self-contained", "-o", target];
            if (aot) args.Add("-p:PublishAot=true");
            var r = ChildProcess.Run("dotnet", args, Path.GetTempPath());
            string built = Path.Combine(target, aot ? "hunt" : "hunt.dll");
            if (r.ExitCode != 0 || !File.Exists(built))
                throw new InvalidOperationException($"dotnet publish failed (exit {r.ExitCode}): {r.Stdout}{r.Stderr}");
            return built;
        }

        /// <summary>Copies the folder of <paramref name="dll"/> (the app and its dependencies) to <paramref name="target"/>; returns the copied dll's path.</summary>
        private static string SnapshotDirectory(string dll, string target)
        {
            string source = Path.GetDirectoryName(Path.GetFullPath(dll))!;
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                string to = Path.Combine(target, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }
            return Path.Combine(target, Path.GetFileName(dll));
        }

        /// <summary>The 1-, 5- and 15-minute load averages: other work on the machine shows up in every timing.</summary>
        private static string LoadAverage()
        {
            try
            {
                return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
            }
            catch (IOException)
            {
                return "unknown";
            }
        }
    }
}
