using System.Diagnostics;
using System.Globalization;
using HuntEngine.DataGen;

// hunt-datagen: writes a seeded corpus (an archive folder, or one file) plus its ground truth (DIR.ground-truth.csv, beside DIR).
// Exit status: 0 written (and verified, with --verify), 1 verification found a difference, 2 bad arguments.

const string Usage = """
    usage: hunt-datagen --out DIR [--seed N] [--size 50MB|1GB] [--mix typical|teams-heavy]
                        [--plant-rate 0.002] [--no-adversarial] [--verify]
                        [--single-file FILE --container C --compression none|gzip|lz4|zstd]

      --out DIR          folder to write (created if missing); its ground truth goes beside it, as DIR.ground-truth.csv
      --seed N           seed for every random choice (default 1)
      --size SIZE        approximate decompressed size: 1GB, 50MB, 512KB, 1000B (binary units; default 50MB)
      --mix MIX          typical (default) or teams-heavy (a third of records are Teams MessageSent)
      --plant-rate R     fraction of records planted to fire a detection (default 0.002)
      --no-adversarial   leave out tricky positives and near-misses
      --single-file FILE write one file (FILE relative to DIR, or absolute) instead of an archive
      --container C      with --single-file: ndjson, array, value (Graph), records (Azure Monitor), pretty (one record),
                         ual-csv (PowerShell export), purview-csv, la-officeactivity, la-signinlogs, la-auditlogs,
                         la-commonsecuritylog, la-devicenetworkevents (Log Analytics portal CSV exports)
      --compression Z    with --single-file: none (default), gzip, lz4, zstd
      --verify           re-read what was written and check that every ground-truth row points at a record start
    """;

string? outDirectory = null, singleFile = null;
int seed = 1;
long size = 50L << 20;
Mix mix = Mix.Typical;
double plantRate = 0.002;
bool adversarial = true, verify = false;
Container container = Container.Ndjson;
Compression compression = Compression.None;
bool containerGiven = false;

try
{
    for (int i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--out": outDirectory = Value(); break;
            case "--seed": seed = int.Parse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture); break;
            case "--size": size = ParseSize(Value()); break;
            case "--mix":
                mix = Value() switch
                {
                    "typical" => Mix.Typical,
                    "teams-heavy" => Mix.TeamsHeavy,
                    var other => throw new FormatException($"--mix is '{other}'; use typical or teams-heavy"),
                };
                break;
            case "--plant-rate": plantRate = double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture); break;
            case "--no-adversarial": adversarial = false; break;
            case "--verify": verify = true; break;
            case "--single-file": singleFile = Value(); break;
            case "--container":
                containerGiven = true;
                container = Value() switch
                {
                    "ndjson" => Container.Ndjson,
                    "array" => Container.JsonArray,
                    "value" => Container.GraphValueWrapper,
                    "records" => Container.RecordsWrapper,
                    "pretty" => Container.PrettyNdjsonSingle,
                    "ual-csv" => Container.UalCsvPowerShell,
                    "purview-csv" => Container.UalCsvPurview,
                    "la-officeactivity" => Container.SentinelCsvOfficeActivity,
                    "la-signinlogs" => Container.SentinelCsvSigninLogs,
                    "la-auditlogs" => Container.SentinelCsvAuditLogs,
                    "la-commonsecuritylog" => Container.SentinelCsvCommonSecurityLog,
                    "la-devicenetworkevents" => Container.SentinelCsvDeviceNetworkEvents,
                    var other => throw new FormatException($"--container is '{other}'; use ndjson, array, value, records, pretty, ual-csv, purview-csv, "
                        + "la-officeactivity, la-signinlogs, la-auditlogs, la-commonsecuritylog or la-devicenetworkevents"),
                };
                break;
            case "--compression":
                compression = Value() switch
                {
                    "none" => Compression.None,
                    "gzip" => Compression.Gzip,
                    "lz4" => Compression.Lz4,
                    "zstd" => Compression.Zstd,
                    var other => throw new FormatException($"--compression is '{other}'; use none, gzip, lz4 or zstd"),
                };
                break;
            case "-h" or "--help":
                Console.WriteLine(Usage);
                return 0;
            default:
                throw new FormatException($"unknown argument '{args[i]}'");
        }
    }

    if (outDirectory is null) throw new FormatException("--out DIR is required");
    if (singleFile is null && containerGiven) throw new FormatException("--container only applies with --single-file");
}
catch (FormatException e)
{
    Console.Error.WriteLine($"hunt-datagen: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}

var options = new GeneratorOptions(seed, size, mix, plantRate, adversarial);
var clock = Stopwatch.StartNew();
try
{
    Directory.CreateDirectory(outDirectory);
    IReadOnlyList<PlantedDetection> truth;
    IReadOnlyList<(string Path, long Decompressed, long OnDisk, int Records, int Planted)> written;
    if (singleFile is not null)
    {
        string path = Path.GetFullPath(Path.Combine(outDirectory, singleFile));
        string relative = Path.GetRelativePath(outDirectory, path).Replace('\\', '/');
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var result = CorpusGenerator.WithBursts(CorpusGenerator.WriteFileCore(path, container, compression, options, relative));
        truth = result.Truth;
        CorpusGenerator.WriteGroundTruth(CorpusGenerator.GroundTruthPathFor(outDirectory), truth);
        written = [(relative, result.DecompressedBytes, result.CompressedBytes, result.Records, result.Truth.Count)];
    }
    else
    {
        var archive = CorpusGenerator.WriteArchiveCore(outDirectory, options);
        truth = archive.Truth;
        written = archive.Files.Select(f => (f.RelativePath, f.DecompressedBytes, f.CompressedBytes, f.Records, f.Truth.Count)).ToList();
    }

    clock.Stop();
    foreach (var file in written)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file.Path,-40} {file.Decompressed,14:N0} B decompressed {file.OnDisk,14:N0} B on disk {file.Records,9:N0} records {file.Planted,5} planted"));
    }

    long totalDecompressed = written.Sum(f => f.Decompressed);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"wrote {written.Count} files, {totalDecompressed:N0} B decompressed, {written.Sum(f => f.OnDisk):N0} B on disk, {written.Sum(f => f.Records):N0} records in {clock.Elapsed.TotalSeconds:F1} s ({totalDecompressed / 1e6 / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):F0} MB/s)"));
    Console.WriteLine($"ground truth: {CorpusGenerator.GroundTruthPathFor(outDirectory)} ({truth.Count} detections: "
        + string.Join(", ", truth.GroupBy(d => d.DetectionType).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Count()}")) + ")");

    if (verify)
    {
        var report = ReferenceCheck.Verify(outDirectory);
        Console.WriteLine(ReferenceCheck.Describe(report));
        return report.Problems.Count == 0 ? 0 : 1;
    }

    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"hunt-datagen: {e.Message}");
    return 2;
}

static long ParseSize(string text)
{
    string digits = text.TrimEnd('B', 'b', 'i');
    long unit = 1;
    if (digits.Length > 0 && char.ToUpperInvariant(digits[^1]) is 'K' or 'M' or 'G' or 'T')
    {
        unit = char.ToUpperInvariant(digits[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L << 40 };
        digits = digits[..^1];
    }

    if (!double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || number < 0)
    {
        throw new FormatException($"--size is '{text}'; use a number with an optional unit: 1GB, 50MB, 512KB, 1000B");
    }

    return (long)(number * unit);
}
