using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using HuntEngine.DataGen;

namespace HuntEngine.Compare;

/// <summary>The arguments of a comparison run. Sizes use binary units, as hunt-datagen does (1GB = 2^30 bytes).</summary>
internal sealed record ComparisonOptions
{
    public const string Usage = """
        hunt-compare: end-to-end comparison of the hunt CLI with DuckDB, ripgrep and cat (bench/README.md)

          dotnet run -c Release --project bench/HuntEngine.Compare -- [options]

          --size SIZE           decompressed size of each corpus file (default 1GB; binary units: 50MB, 1GB)
          --runs N              timed runs of each tool, alternating (default 5)
          --threads N           threads for hunt and DuckDB (default 2)
          --mix M               typical | teams-heavy | both (default both)
          --compressed          also time gzip, lz4 and zstd copies, with each decompressor alone
          --cold                evict the file from the page cache before every run (posix_fadvise DONTNEED;
                                the tools' own files stay cached), as a hunt over an archive on disk finds it
          --store               also convert the plain file once to an Arrow and a Parquet store (`hunt convert`,
                                timed and sized) and time `hunt scan` on each store and DuckDB SQL on the Parquet one
          --seed N              generator seed (default 20260101)
          --work DIR            where corpora and run outputs go (default: a new folder in the temp folder)
          --keep                keep the work folder (a later run with the same --work reuses its corpora)
          --report FILE         also write the markdown report to FILE
          --tools LIST          comma-separated subset of hunt,hunt-all,duckdb,rg,rgjq,cat,decompress (default: all;
                                hunt-all is hunt --no-prefilter, which parses every record as DuckDB does; rgjq is
                                ripgrep's keyword filter piped into jq with the three §3 patterns)
          --hunt PATH           hunt.dll (or a native hunt) to time as it is (default: src/HuntEngine.Cli published
                                into the work folder with composite ReadyToRun, tools/install.sh's build without clang)
          --aot                 publish hunt with Native AOT instead (-p:PublishAot=true; needs clang and zlib1g-dev),
                                tools/install.sh's build where they are present. The other .NET tools (DuckDB
                                worker, decoders alone) still start a .NET runtime
        """;

    public long SizeBytes { get; init; } = 1L << 30;
    public string SizeText { get; init; } = "1GB";
    public int Runs { get; init; } = 5;
    public int Threads { get; init; } = 2;
    public IReadOnlyList<Mix> Mixes { get; init; } = [Mix.Typical, Mix.TeamsHeavy];
    public bool Compressed { get; init; }
    /// <summary>--cold: each run reads the file from disk (evicted before it), not from the page cache.</summary>
    public bool Cold { get; init; }
    /// <summary>--aot: the published hunt is a Native AOT executable.</summary>
    public bool Aot { get; init; }
    public bool Store { get; init; }
    public int Seed { get; init; } = 20260101;
    public string? WorkDirectory { get; init; }
    public bool Keep { get; init; }
    public string? ReportPath { get; init; }
    public IReadOnlySet<string> Tools { get; init; } = new HashSet<string>(AllTools);
    public string HuntDll { get; init; } = DefaultHuntDll();
    /// <summary>Set by --hunt: time that build as it is instead of publishing one.</summary>
    public bool HuntGiven { get; init; }
    public static string HuntProject { get; } = Metadata("HuntProject") ?? "src/HuntEngine.Cli/HuntEngine.Cli.csproj";

    public static readonly string[] AllTools = ["hunt", "hunt-all", "duckdb", "rg", "rgjq", "cat", "decompress"];

    public static ComparisonOptions Parse(string[] args)
    {
        var o = new ComparisonOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Length) Fail($"{arg} needs a value");
                return args[++i];
            }
            switch (arg)
            {
                case "--size":
                    string size = Value();
                    o = o with { SizeBytes = ParseSize(size), SizeText = size };
                    break;
                case "--runs": o = o with { Runs = ParseInt(arg, Value(), 1, 1000) }; break;
                case "--threads": o = o with { Threads = ParseInt(arg, Value(), 1, 1024) }; break;
                case "--mix":
                    string mix = Value();
                    o = o with
                    {
                        Mixes = mix switch
                        {
                            "typical" => [Mix.Typical],
                            "teams-heavy" => [Mix.TeamsHeavy],
                            "both" => [Mix.Typical, Mix.TeamsHeavy],
                            _ => Fail<Mix[]>($"--mix '{mix}': expected typical, teams-heavy or both"),
                        },
                    };
                    break;
                case "--compressed": o = o with { Compressed = true }; break;
                case "--cold": o = o with { Cold = true }; break;
                case "--aot": o = o with { Aot = true }; break;
                case "--store": o = o with { Store = true }; break;
                case "--seed": o = o with { Seed = ParseInt(arg, Value(), 0, int.MaxValue) }; break;
                case "--work": o = o with { WorkDirectory = Path.GetFullPath(Value()) }; break;
                case "--keep": o = o with { Keep = true }; break;
                case "--report": o = o with { ReportPath = Path.GetFullPath(Value()) }; break;
                case "--hunt": o = o with { HuntDll = Path.GetFullPath(Value()), HuntGiven = true }; break;
                case "--tools":
                    var tools = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
                    foreach (string t in tools)
                        if (!AllTools.Contains(t)) Fail($"--tools: unknown tool '{t}'; known: {string.Join(",", AllTools)}");
                    o = o with { Tools = tools };
                    break;
                default:
                    Fail($"unknown argument '{arg}'");
                    break;
            }
        }
        return o;
    }

    /// <summary><c>50MB</c>, <c>1GB</c>, <c>512KB</c> or a byte count; binary units like hunt-datagen's <c>--size</c>.</summary>
    public static long ParseSize(string text)
    {
        string t = text.Trim().ToUpperInvariant();
        (string suffix, long unit)[] units = [("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1)];
        foreach (var (suffix, unit) in units)
        {
            if (!t.EndsWith(suffix, StringComparison.Ordinal)) continue;
            if (double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n > 0)
                return (long)(n * unit);
            break;
        }
        if (long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long bytes) && bytes > 0) return bytes;
        return Fail<long>($"--size '{text}': expected a positive size such as 50MB or 1GB");
    }

    private static int ParseInt(string option, string value, int min, int max)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max) return n;
        return Fail<int>($"{option} '{value}': expected a whole number from {min} to {max}");
    }

    private static string DefaultHuntDll() => Metadata("HuntDll") ?? "hunt.dll";

    private static string? Metadata(string key) =>
        typeof(ComparisonOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;

    [DoesNotReturn]
    private static void Fail(string message) => throw new ArgumentException(message);

    [DoesNotReturn]
    private static T Fail<T>(string message) => throw new ArgumentException(message);
}
