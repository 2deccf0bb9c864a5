using System.Diagnostics;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;
using Xunit.Abstractions;

namespace HuntEngine.Tests.BadInput;

/// <summary>
/// Seeded mutation fuzzing over generated corpora (NDJSON, JSON arrays, pretty wrappers; every
/// compression): byte flips, deletions, insertions and truncations of the text, and of the
/// compressed bytes. Never a crash or a hang, the accounting identity always holds, and damage
/// never changes the detections of records it does not touch: records before the first mutation
/// (any container), and in NDJSON records after the mutated line (offset shifted by the length change).
/// A failure names its seed; rerun it alone with <see cref="ReplayOne"/>.
/// </summary>
public sealed class MutationFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261128;
    private const int Batches = 150;
    private const int CasesPerBatch = 16;
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromSeconds(30);

    private enum Container { Ndjson, Array, RecordsWrapper }

    private enum Op { Flip, Delete, Insert, Truncate }

    private sealed record Mutation(Op Op, int At, int Length, byte[] Inserted);

    /// <summary>One fuzz case: the file as scanned, and what must hold for it.</summary>
    private sealed record Case(
        string Name, byte[] Content, Container Container, Codec Codec, bool MutatedCompressed,
        int[] Records, long[] Offsets, long[] LineEnds, List<Mutation> Mutations, int Seed);

    /// <summary>Per pool record, the (non-aggregate) detections it fires on its own.</summary>
    private static readonly Lazy<List<string>[]> PoolDetections = new(() =>
    {
        var pool = GeneratedRecords.Pool;
        var (text, offsets) = GeneratedRecords.Ndjson(pool.Select(p => p.Json));
        var r = BadInputScan.Bytes(text);
        var byOffset = offsets.Select((o, i) => (o, i)).ToDictionary(x => x.o, x => x.i);
        var result = pool.Select(_ => new List<string>()).ToArray();
        foreach (var d in r.Detections.Where(d => d.EventCount == 1 && d.DetectionType != "GuestInviteBurst"))
            result[byOffset[d.SourceOffset]].Add(d.DetectionType);
        foreach (var l in result) l.Sort(StringComparer.Ordinal);
        return result;
    });

    private static readonly byte[] Interesting = "{}[]\",:\\\n\r \t0aé\u0000"u8.ToArray();

    /// <summary>
    /// <see cref="Profile.NdjsonAfterFirstLine"/>: NDJSON, mutations after the first line (text) or past the first
    /// quarter of the compressed bytes, so the container stays NDJSON. <see cref="Profile.Everything"/>: every
    /// container, mutations anywhere; it hangs the engine today (see the skipped test).
    /// </summary>
    public enum Profile { NdjsonAfterFirstLine, Everything }

    private static Case MakeCase(int seed, Profile profile)
    {
        var rng = new Random(seed);
        var pool = GeneratedRecords.Pool;
        int n = rng.Next(20, 61);
        int start = rng.Next(pool.Count - n);
        var records = Enumerable.Range(start, n).ToArray();
        var container = profile == Profile.NdjsonAfterFirstLine
            ? Container.Ndjson
            : rng.Next(10) switch { < 4 => Container.Ndjson, < 7 => Container.Array, _ => Container.RecordsWrapper };
        var (text, offsets) = container switch
        {
            Container.Ndjson => GeneratedRecords.Ndjson(records.Select(i => pool[i].Json)),
            Container.Array => GeneratedRecords.Array(records.Select(i => pool[i].Json)),
            _ => GeneratedRecords.Join(records.Select(i => pool[i].Json), "{\n  \"@odata.context\": \"x\",\n  \"records\": [\n    ", ",\n    ", "\n  ]\n}\n"),
        };
        var lineEnds = records.Select((r, k) => offsets[k] + pool[r].Json.Length + (container == Container.Ndjson ? 1 : 0)).ToArray();
        var codec = rng.Next(10) switch { < 4 => Codec.None, < 6 => Codec.Gzip, < 8 => Codec.Lz4, _ => Codec.Zstd };
        bool mutateCompressed = codec != Codec.None && rng.Next(3) == 0;
        int members = rng.Next(1, 4);

        byte[] target = mutateCompressed ? Codecs.Compress(text, codec, members) : text;
        var mutations = new List<Mutation>();
        int count = rng.Next(4) == 0 ? rng.Next(2, 5) : 1;
        // Protected prefix: the first line (text), or the first quarter of the compressed bytes, which encodes it.
        int from = profile == Profile.Everything ? 0 : mutateCompressed ? target.Length / 4 : (int)lineEnds[0];
        for (int m = 0; m < count && target.Length > from + 1; m++)
        {
            var op = (Op)(rng.Next(20) switch { < 7 => 0, < 12 => 1, < 18 => 2, _ => 3 });
            int at = from + rng.Next(target.Length - from);
            var mutation = op switch
            {
                Op.Flip => new Mutation(op, at, 1, [rng.Next(3) == 0 ? Interesting[rng.Next(Interesting.Length)] : (byte)(target[at] ^ (1 << rng.Next(8)))]),
                Op.Delete => new Mutation(op, at, Math.Min(rng.Next(1, 9), target.Length - at), []),
                Op.Insert => new Mutation(op, at, 0, Enumerable.Range(0, rng.Next(1, 9)).Select(_ => rng.Next(2) == 0 ? Interesting[rng.Next(Interesting.Length)] : (byte)rng.Next(256)).ToArray()),
                _ => new Mutation(op, at, target.Length - at, []),
            };
            target = Apply(target, mutation);
            mutations.Add(mutation);
            if (op == Op.Truncate) break;
        }
        var content = mutateCompressed ? target : Codecs.Compress(target, codec, members);
        return new Case($"case-{seed}.bin", content, container, codec, mutateCompressed, records, offsets, lineEnds, mutations, seed);
    }

    private static byte[] Apply(byte[] data, Mutation m) => m.Op switch
    {
        Op.Flip => [.. data.AsSpan(0, m.At), m.Inserted[0], .. data.AsSpan(m.At + 1)],
        Op.Delete => [.. data.AsSpan(0, m.At), .. data.AsSpan(m.At + m.Length)],
        Op.Insert => [.. data.AsSpan(0, m.At), .. m.Inserted, .. data.AsSpan(m.At)],
        _ => data[..m.At],
    };

    private static ScanOptions OptionsFor(int batchSeed, string dir, bool smallLimits = true)
    {
        var rng = new Random(batchSeed);
        return new ScanOptions
        {
            Paths = [dir],
            Threads = rng.Next(1, 3),
            Prefilter = rng.Next(4) == 0,
            BlockBytes = rng.Next(3) switch { 0 => 1000, 1 => 1 << 16, _ => 4 << 20 },
            // Small limits make some generated records oversized (they fire nothing then).
            MaxRecordBytes = rng.Next(4) switch { 0 when smallLimits => 2048, 1 when smallLimits => 4096, _ => new ScanOptions { Paths = [] }.MaxRecordBytes },
        };
    }

    [Fact]
    public void Mutated_ndjson_corpora_never_crash_or_hang_and_damage_stays_local()
    {
        Fuzz(Profile.NdjsonAfterFirstLine, Batches, minimumCases: 2000);
    }

    [Fact]
    public void Mutated_corpora_of_every_container_never_crash_or_hang()
    {
        Fuzz(Profile.Everything, Batches, minimumCases: 2000);
    }

    [Fact]
    public void Mutated_corpora_of_every_container_with_small_record_limits_never_crash_or_hang()
    {
        Fuzz(Profile.Everything, Batches / 2, minimumCases: 1000, smallLimits: true);
    }

    private void Fuzz(Profile profile, int batches, int minimumCases, bool smallLimits = false)
    {
        var clock = Stopwatch.StartNew();
        _ = PoolDetections.Value;
        long cases = 0, localChecks = 0, bytes = 0;
        for (int b = 0; b < batches; b++)
        {
            var (n, checks, size) = RunBatch(Seed + (int)profile * 500_000 + b * 1000, profile, smallLimits || profile == Profile.NdjsonAfterFirstLine);
            cases += n;
            localChecks += checks;
            bytes += size;
        }
        output.WriteLine($"{profile}: {cases} cases ({bytes / 1e6:0.0} MB), {localChecks} locality checks, in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(cases >= minimumCases);
    }

    /// <summary>Replays one batch (set the seed and profile from a failure message).</summary>
    [Theory]
    [InlineData(Seed, Profile.NdjsonAfterFirstLine)]
    public void ReplayOne(int batchSeed, Profile profile) => RunBatch(batchSeed, profile, smallLimits: profile == Profile.NdjsonAfterFirstLine);

    private static (int Cases, int LocalityChecks, long Bytes) RunBatch(int batchSeed, Profile profile, bool smallLimits)
    {
        var batch = Enumerable.Range(0, CasesPerBatch).Select(i => MakeCase(batchSeed + i + 1, profile)).ToList();
        using var dir = new TempDir();
        foreach (var c in batch) File.WriteAllBytes(Path.Combine(dir.Path, c.Name), c.Content);
        var options = OptionsFor(batchSeed, dir.Path, smallLimits);
        ScanResult r;
        try
        {
            r = Accounting.Checked(BadInputScan.WithTimeout(() => HuntScanner.Run(options), BatchTimeout,
                $"batch {batchSeed} {profile} ({options.Threads} threads, prefilter {options.Prefilter}, blocks {options.BlockBytes})"));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"batch {batchSeed} {profile} ({options.Threads} threads, prefilter {options.Prefilter}, blocks {options.BlockBytes}) crashed the scan: {e}");
        }

        int checks = 0;
        foreach (var c in batch)
        {
            var file = r.Summary.Files.Single(f => f.Path.EndsWith(c.Name, StringComparison.Ordinal));
            string ctx = $"batch {batchSeed} {profile} {c.Name}: {c.Container} {c.Codec}{(c.MutatedCompressed ? " (compressed bytes mutated)" : "")}, mutations {string.Join(" ", c.Mutations.Select(m => $"{m.Op}@{m.At}+{m.Length}"))}";
            if (c.MutatedCompressed) continue;
            // The stream itself is intact: the file fails only when the text reads as binary (spec §1), or
            // when brackets stop balancing and framing stops there (reported with a malformed record).
            bool framingStopped = file.Error is not null && file.Error.Contains("framing stopped", StringComparison.Ordinal) && file.Malformed > 0;
            Assert.True(file.Error is null || file.Error.Contains("not a text file", StringComparison.Ordinal) || framingStopped,
                $"{ctx}: the file failed: {file.Error} (malformed {file.Malformed}: {string.Join(" | ", file.MalformedSamples.Select(b => $"{b.Offset}: {b.Reason}"))})");
            checks += CheckLocality(c, Hit.Of(r.Detections, c.Name), options.MaxRecordBytes, $"{ctx}, max record {options.MaxRecordBytes}");
        }
        return (batch.Count, checks, batch.Sum(c => (long)c.Content.Length));
    }

    /// <summary>Detections of records the mutations did not touch are those the records fire on their own.</summary>
    private static int CheckLocality(Case c, List<Hit> got, int maxRecordBytes, string ctx)
    {
        var pool = GeneratedRecords.Pool;
        var own = PoolDetections.Value.Select((d, i) => pool[i].Json.Length > maxRecordBytes ? [] : d).ToArray();
        int first = c.Mutations.Min(m => m.At);
        var single = got.Where(h => h.Type != "GuestInviteBurst").ToList();
        int checks = 0;

        // Records wholly before the first mutation (NDJSON: with their newline), in any container.
        var before = Enumerable.Range(0, c.Records.Length).Where(k => c.LineEnds[k] <= first).ToList();
        var expectedBefore = before.SelectMany(k => own[c.Records[k]].Select(t => (t, c.Offsets[k]))).OrderBy(x => x.Item2).ThenBy(x => x.t, StringComparer.Ordinal).ToList();
        var gotBefore = single.Where(h => before.Any(k => c.Offsets[k] == h.Offset)).Select(h => (h.Type, h.Offset)).ToList();
        Assert.True(expectedBefore.SequenceEqual(gotBefore), $"{ctx}: detections before the damage changed: expected [{string.Join(", ", expectedBefore)}], got [{string.Join(", ", gotBefore)}]");
        checks += before.Count;

        // NDJSON, one mutation, not in the first line (a damaged first line may change the container, spec §1):
        // records after the mutated line are framed exactly as before, shifted by the length change.
        if (c.Container == Container.Ndjson && c.Mutations.Count == 1 && c.Mutations[0].Op != Op.Truncate && first >= c.LineEnds[0])
        {
            var m = c.Mutations[0];
            int end = m.At + m.Length; // first original byte after the mutated range
            long delta = m.Op switch { Op.Delete => -m.Length, Op.Insert => m.Inserted.Length, _ => 0 };
            // The mutated line ends at the first original newline at or after the range's end.
            var after = Enumerable.Range(0, c.Records.Length).Where(k => c.Offsets[k] > end && (k == 0 || c.LineEnds[k - 1] - 1 >= end)).ToList();
            var expectedAfter = after.SelectMany(k => own[c.Records[k]].Select(t => (t, c.Offsets[k] + delta))).OrderBy(x => x.Item2).ThenBy(x => x.t, StringComparer.Ordinal).ToList();
            var shifted = after.Select(k => c.Offsets[k] + delta).ToHashSet();
            var gotAfter = single.Where(h => shifted.Contains(h.Offset)).Select(h => (h.Type, h.Offset)).ToList();
            Assert.True(expectedAfter.SequenceEqual(gotAfter), $"{ctx}: detections after the mutated line changed: expected [{string.Join(", ", expectedAfter)}], got [{string.Join(", ", gotAfter)}]");
            checks += after.Count;
        }
        return checks;
    }

    [Fact]
    public void Mutated_zstd_streams_never_crash_the_scan()
    {
        var pool = GeneratedRecords.Pool;
        var (text, _) = GeneratedRecords.Ndjson(pool.Take(60).Select(p => p.Json));
        var compressed = Codecs.Compress(text, Codec.Zstd, members: 2);
        var rng = new Random(Seed);
        for (int b = 0; b < 20; b++)
        {
            var files = new Dictionary<string, byte[]>();
            for (int i = 0; i < 16; i++)
            {
                var d = (byte[])compressed.Clone();
                int flips = rng.Next(1, 4);
                for (int k = 0; k < flips; k++) d[rng.Next(d.Length)] ^= (byte)(1 << rng.Next(8));
                files[$"z{i}.zst"] = rng.Next(5) == 0 ? d[..rng.Next(1, d.Length)] : d;
            }
            BadInputScan.Files(files);
        }
    }
}
