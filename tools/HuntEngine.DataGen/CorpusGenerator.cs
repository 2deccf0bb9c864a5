using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace HuntEngine.DataGen;

/// <summary>
/// Writes seeded Microsoft 365 / Entra ID / Defender audit-log corpora with exact ground truth:
/// because the generator writes every byte, it knows the decompressed offset of each planted
/// record's opening '{' without parsing anything back.
/// </summary>
public static class CorpusGenerator
{
    /// <summary>
    /// Where the ground truth of an archive folder goes: beside the folder, not in it, so a hunt of
    /// the folder reads only logs (<c>data/sample</c> → <c>data/sample.ground-truth.csv</c>).
    /// </summary>
    public static string GroundTruthPathFor(string directory) =>
        Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + ".ground-truth.csv";

    /// <summary>
    /// Writes ONE file of the given container and compression with records drawn from the seed, about
    /// <see cref="GeneratorOptions.TargetBytes"/> decompressed bytes (at least one record;
    /// <see cref="Container.PrettyNdjsonSingle"/> always exactly one). The JSON containers hold the
    /// same records, in the same order, as <see cref="Records"/> gives for these options; the CSV
    /// containers hold their own stream (UAL records for the UAL exports, rows of one table for the
    /// Log Analytics exports). Returns its ground truth, sorted by offset (bursts of spec §7.3 included,
    /// though a single file's ordinary invitations never form one).
    /// </summary>
    public static IReadOnlyList<PlantedDetection> WriteFile(string path, Container container, Compression compression, GeneratorOptions options, string relativePathForTruth)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(relativePathForTruth);
        GeneratorThrow.IfInvalid(options);
        GeneratorThrow.IfInvalid(container, compression);
        return WithBursts(WriteFileCore(path, container, compression, options, relativePathForTruth)).Truth;
    }

    /// <summary>
    /// Writes an archive folder: one file per (container, compression) combination of the JSON
    /// containers, one pretty-printed single-record file per compression, the seven CSV exports, and
    /// two bigger NDJSON files, together about <see cref="GeneratorOptions.TargetBytes"/> decompressed
    /// bytes, with GuestInviteBurst scenarios planted across them; writes the ground truth
    /// (<c>relative_path,offset,detection_type</c>) beside the folder (<see cref="GroundTruthPathFor"/>) and
    /// returns the same rows, sorted by path (ordinal) then offset.
    /// </summary>
    public static IReadOnlyList<PlantedDetection> WriteArchive(string directory, GeneratorOptions options) =>
        WriteArchiveCore(directory, options).Truth;

    /// <summary>
    /// Yields records as UTF-8 JSON (one compact object each, no newline) with the detection each
    /// must produce, or null, until their total length reaches <see cref="GeneratorOptions.TargetBytes"/>
    /// (at least one record).
    /// </summary>
    public static IEnumerable<(byte[] Json, string? ExpectedDetection)> Records(GeneratorOptions options)
    {
        GeneratorThrow.IfInvalid(options);
        return Iterate(options);

        static IEnumerable<(byte[] Json, string? ExpectedDetection)> Iterate(GeneratorOptions options)
        {
            var factory = new RecordFactory(options);
            var writer = new JsonRecordWriter();
            long total = 0;
            do
            {
                string? expected = factory.Next(writer);
                total += writer.Length;
                yield return (writer.Written.ToArray(), expected);
            }
            while (total < options.TargetBytes);
        }
    }

    /// <summary>One written file: sizes, records, its single-record ground truth, and the GuestInviteBurst events it holds.</summary>
    internal readonly record struct FileResult(string RelativePath, long DecompressedBytes, long CompressedBytes, int Records, IReadOnlyList<PlantedDetection> Truth, IReadOnlyList<LocatedInvite> Invites);

    internal readonly record struct ArchiveResult(IReadOnlyList<FileResult> Files, IReadOnlyList<PlantedDetection> Truth);

    /// <summary>A file's result with the bursts of its own invite events added to its truth.</summary>
    internal static FileResult WithBursts(FileResult file) =>
        file with { Truth = file.Truth.Concat(GuestInvitePlan.FindBursts(file.Invites)).OrderBy(d => d.Offset).ToList() };

    internal static FileResult WriteFileCore(string path, Container container, Compression compression, GeneratorOptions options, string relativePathForTruth,
        IReadOnlyList<PlantedInvite>? invites = null)
    {
        invites ??= [];
        var factory = new RecordFactory(options);
        var layout = new Random(Seeds.Derive(options.Seed, 0x4C41594F));
        bool single = container == Container.PrettyNdjsonSingle;
        // Half the compressed files get a second gzip member / LZ4 frame / zstd frame, starting at an arbitrary byte.
        long splitAt = compression != Compression.None && layout.Next(2) == 0
            ? 1 + layout.NextInt64(Math.Max(1, single ? 1500 : options.TargetBytes))
            : -1;

        var truth = new List<PlantedDetection>();
        var located = new List<LocatedInvite>();
        var writer = new JsonRecordWriter();
        int records = 0;
        long decompressed;
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        using (var sink = new DecompressedSink(file, compression, splitAt))
        {
            var csv = CsvFileWriter.IsCsv(container) ? new CsvFileWriter(sink, container, layout) : null;
            var framer = csv is null ? new CorpusFileWriter(sink, container, layout) : null;
            LaTable? table = CsvFileWriter.TableOf(container);
            int nextInvite = 0;

            // Writes the record the factory just made and books its truth and invite event.
            void Book(long offset, string? expected)
            {
                records++;
                if (expected is not null) truth.Add(new PlantedDetection(relativePathForTruth, offset, expected));
                if (factory.LastInvite is { } invite) located.Add(new LocatedInvite(invite, relativePathForTruth, offset));
            }

            // Planted invitations go in before the ordinary record they were planned for; late ones at the end.
            void WriteInvites(int beforeRecord)
            {
                while (nextInvite < invites.Count && (invites[nextInvite].AtRecord <= beforeRecord || beforeRecord < 0))
                {
                    PlantedInvite invite = invites[nextInvite++];
                    if (csv is not null)
                    {
                        factory.FillPlantedInvite(invite);
                        Book(csv.WriteLaRow(factory.Row), null);
                    }
                    else
                    {
                        factory.WritePlantedInvite(writer, invite);
                        Book(framer!.WriteRecord(writer.Written), null);
                    }
                }
            }

            framer?.Begin();
            csv?.Begin();
            int ordinal = 0;
            do
            {
                WriteInvites(ordinal++);
                if (csv is null)
                {
                    string? expected = factory.Next(writer);
                    Book(framer!.WriteRecord(writer.Written), expected);
                }
                else if (table is { } t)
                {
                    string? expected = factory.NextLaRow(t);
                    Book(csv.WriteLaRow(factory.Row), expected);
                }
                else
                {
                    string? expected = factory.NextUal(writer, out bool decoy);
                    var meta = RecordFactory.UalMeta(writer.Written, Timestamps.YearStartTicks, isoCreationDate: container == Container.UalCsvPurview && layout.Next(20) == 0);
                    if (decoy) meta = meta with { UserId = factory.DecoyImpostor(), Operation = "MessageSent", RecordType = "25" };
                    bool pretty = container == Container.UalCsvPowerShell && layout.Next(40) == 0;
                    Book(csv.WriteUalRow(meta, writer.Written, pretty), expected);
                }
            }
            while (!single && sink.Position < options.TargetBytes);

            WriteInvites(-1);
            framer?.End();
            csv?.End();
            decompressed = sink.Position;
        }

        return new FileResult(relativePathForTruth, decompressed, new FileInfo(path).Length, records, truth, located);
    }

    internal static ArchiveResult WriteArchiveCore(string directory, GeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(directory);
        GeneratorThrow.IfInvalid(options);
        List<ArchiveEntry> plan = PlanArchive(options);
        foreach (ArchiveEntry entry in plan)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(directory, entry.RelativePath))!);
        }

        // Every file has its own derived seed, so writing them in parallel stays deterministic. The
        // biggest files go first, so a small machine does not end on one big file alone.
        List<PlantedInvite>[] invites = GuestInvitePlan.Plan(options, plan.Select(e => (e.Container, e.Options.TargetBytes)).ToList());
        var results = new FileResult[plan.Count];
        int[] order = Enumerable.Range(0, plan.Count).OrderByDescending(i => plan[i].Options.TargetBytes).ThenBy(i => i).ToArray();
        Parallel.ForEach(order, i =>
        {
            ArchiveEntry entry = plan[i];
            results[i] = WriteFileCore(Path.Combine(directory, entry.RelativePath), entry.Container, entry.Compression, entry.Options, entry.RelativePath, invites[i]);
        });

        // Bursts over every invite event of the archive, whichever file holds it (spec §7.3).
        var truth = results.SelectMany(r => r.Truth)
            .Concat(GuestInvitePlan.FindBursts(results.SelectMany(r => r.Invites)))
            .OrderBy(d => d.RelativePath, StringComparer.Ordinal)
            .ThenBy(d => d.Offset)
            .ToList();
        WriteGroundTruth(GroundTruthPathFor(directory), truth);
        return new ArchiveResult(results, truth);
    }

    /// <summary>Writes <c>relative_path,offset,detection_type</c> rows (LF line ends, no quoting: the generator's names need none).</summary>
    internal static void WriteGroundTruth(string path, IEnumerable<PlantedDetection> truth)
    {
        using var output = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        output.NewLine = "\n";
        output.WriteLine("relative_path,offset,detection_type");
        foreach (PlantedDetection detection in truth)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{detection.RelativePath},{detection.Offset},{detection.DetectionType}"));
        }
    }

    private sealed record ArchiveEntry(string RelativePath, Container Container, Compression Compression, GeneratorOptions Options);

    private static List<ArchiveEntry> PlanArchive(GeneratorOptions options)
    {
        var plan = new List<ArchiveEntry>();
        int salt = 1;
        GeneratorOptions Sized(long bytes) => options with { Seed = Seeds.Derive(options.Seed, salt++), TargetBytes = Math.Max(1, bytes) };

        // 40 % of the bytes in the sixteen container x compression files, 10 % in the seven CSV exports,
        // half in two bigger NDJSON files.
        long perCombination = options.TargetBytes / 40;
        long perCsv = options.TargetBytes / 70;
        (Container Container, string Folder, string Extension)[] containers =
        [
            (Container.Ndjson, "ndjson", ".ndjson"),
            (Container.JsonArray, "array", ".json"),
            (Container.GraphValueWrapper, "graph", ".json"),
            (Container.RecordsWrapper, "records", ".json"),
        ];
        foreach (var (container, folder, extension) in containers)
        {
            foreach (Compression compression in Enum.GetValues<Compression>())
            {
                plan.Add(new ArchiveEntry($"{folder}/{folder}-{Name(compression)}{extension}{Suffix(compression)}", container, compression, Sized(perCombination)));
            }
        }

        // One pretty-printed record per file; every other one is a planted record, so the kind is exercised.
        foreach (Compression compression in Enum.GetValues<Compression>())
        {
            GeneratorOptions single = Sized(1);
            if (compression is Compression.None or Compression.Lz4 && options.PlantRate > 0) single = single with { PlantRate = 1 };
            plan.Add(new ArchiveEntry($"pretty/single-{Name(compression)}.json{Suffix(compression)}", Container.PrettyNdjsonSingle, compression, single));
        }

        // The CSV exports: named as the tools name their downloads; the engine recognises them by their header, not the name.
        (Container Container, string Name, Compression Compression)[] exports =
        [
            (Container.UalCsvPowerShell, "csv/Search-UnifiedAuditLog.csv", Compression.None),
            (Container.UalCsvPurview, "csv/AuditLog_2026-01-01_2026-12-31.csv", Compression.Gzip),
            (Container.SentinelCsvOfficeActivity, "csv/OfficeActivity_query_data.csv", Compression.Zstd),
            (Container.SentinelCsvSigninLogs, "csv/SigninLogs_query_data.csv", Compression.None),
            (Container.SentinelCsvAuditLogs, "csv/AuditLogs_query_data.csv", Compression.Lz4),
            (Container.SentinelCsvCommonSecurityLog, "csv/CommonSecurityLog_query_data.csv", Compression.Gzip),
            (Container.SentinelCsvDeviceNetworkEvents, "csv/DeviceNetworkEvents_export.txt", Compression.None),
        ];
        foreach (var (container, name, compression) in exports)
        {
            plan.Add(new ArchiveEntry(name + Suffix(compression), container, compression, Sized(perCsv)));
        }

        plan.Add(new ArchiveEntry("big/part-0001.ndjson", Container.Ndjson, Compression.None, Sized(options.TargetBytes / 4)));
        plan.Add(new ArchiveEntry("big/part-0002.ndjson.gz", Container.Ndjson, Compression.Gzip, Sized(options.TargetBytes / 4)));
        return plan;
    }

    internal static string Name(Compression compression) => compression switch
    {
        Compression.None => "none",
        Compression.Gzip => "gzip",
        Compression.Lz4 => "lz4",
        Compression.Zstd => "zstd",
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown compression"),
    };

    internal static string Suffix(Compression compression) => compression switch
    {
        Compression.None => "",
        Compression.Gzip => ".gz",
        Compression.Lz4 => ".lz4",
        Compression.Zstd => ".zst",
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown compression"),
    };
}

/// <summary>Derives independent, stable seeds (string.GetHashCode is randomised per process, so it cannot be used).</summary>
internal static class Seeds
{
    public static int Derive(int seed, int salt)
    {
        // SplitMix64 finaliser over (seed, salt).
        ulong z = ((ulong)(uint)seed << 32 | (uint)salt) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}

/// <summary>All argument checks in one place; messages quote the bad value and the allowed range.</summary>
[StackTraceHidden]
internal static class GeneratorThrow
{
    public static void IfInvalid(GeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TargetBytes < 0) ArgumentOutOfRange_TargetBytes(options.TargetBytes);
        if (!(options.PlantRate >= 0 && options.PlantRate <= 1)) ArgumentOutOfRange_PlantRate(options.PlantRate);
        if (!Enum.IsDefined(options.Mix)) ArgumentOutOfRange_Mix(options.Mix);
    }

    public static void IfInvalid(Container container, Compression compression)
    {
        if (!Enum.IsDefined(container)) ArgumentOutOfRange_Container(container);
        if (!Enum.IsDefined(compression)) ArgumentOutOfRange_Compression(compression);
    }

    [DoesNotReturn]
    private static void ArgumentOutOfRange_Container(Container value) =>
        throw new ArgumentOutOfRangeException(nameof(Container), value, $"Container is {value}; it must be one of {string.Join(", ", Enum.GetNames<Container>())}.");

    [DoesNotReturn]
    private static void ArgumentOutOfRange_Compression(Compression value) =>
        throw new ArgumentOutOfRangeException(nameof(Compression), value, $"Compression is {value}; it must be None, Gzip, Lz4 or Zstd.");

    [DoesNotReturn]
    private static void ArgumentOutOfRange_TargetBytes(long value) =>
        throw new ArgumentOutOfRangeException(nameof(GeneratorOptions.TargetBytes), value, $"TargetBytes is {value}; it must be 0 or more.");

    [DoesNotReturn]
    private static void ArgumentOutOfRange_PlantRate(double value) =>
        throw new ArgumentOutOfRangeException(nameof(GeneratorOptions.PlantRate), value, $"PlantRate is {value}; it must be between 0 and 1.");

    [DoesNotReturn]
    private static void ArgumentOutOfRange_Mix(Mix value) =>
        throw new ArgumentOutOfRangeException(nameof(GeneratorOptions.Mix), value, $"Mix is {value}; it must be Typical or TeamsHeavy.");
}
