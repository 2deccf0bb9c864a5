using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Framing;
using HuntEngine.Matching;
using HuntEngine.Scanning;
using HuntEngine.Tests.BadInput;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Matching;

/// <summary>
/// A worker screens a run of NDJSON lines with one search (<see cref="ScreenSweep"/>) instead of a
/// test per record. The counts it reports must be those of the record-by-record rule — cleared
/// exactly when <see cref="RecordPrefilter.MayMatch"/> is false, the record looks whole and fits —
/// on lines with every separator, blank lines, bad records and oversized ones, cut into blocks
/// of several sizes.
/// </summary>
public sealed class PrefilterSweepTests
{
    private const int MaxRecord = 8 << 10;
    private const int MaxDepth = 512; // below the 600 levels of the deep record in BrokenNotWhole

    // Look whole, hold no literal, and are invalid inside: cleared unparsed with the prefilter on,
    // malformed without it (the one documented difference).
    private static readonly string[] BrokenButWhole = ["""{"x":tru}""", """{"a":1,}""", """{"a" 1}"""];

    // Do not look whole (cut short, not an object, bad UTF-8, deeper than --max-depth): parsed and
    // counted malformed either way, though they hold no literal.
    private static readonly byte[][] BrokenNotWhole =
    [
        "{\"a\":1"u8.ToArray(),
        "[1,2]"u8.ToArray(),
        [.. "{\"a\":\""u8, 0xFF, .. "\"}"u8],
        Encoding.ASCII.GetBytes("{\"a\":" + new string('[', 600) + new string(']', 600) + "}"),
    ];

    [Theory]
    [InlineData(1, 16 << 10, 1)]
    [InlineData(3, 64 << 10, 2)]
    [InlineData(2, 1 << 20, 3)]
    public void A_swept_run_of_lines_is_accounted_exactly_as_record_by_record(int threads, int blockBytes, int seed)
    {
        var rng = new Random(seed);
        var file = new List<byte>();
        int brokenButWhole = 0;
        string[] separators = ["\n", "\r\n", " \t\n", "\n\n", "\n  \t \n", "\r\n\r\n"];
        foreach (var (json, _) in CorpusGenerator.Records(new GeneratorOptions(seed, 700_000, seed == 2 ? Mix.TeamsHeavy : Mix.Typical, PlantRate: 0.05)))
        {
            if (rng.Next(8) == 0) file.AddRange(Encoding.ASCII.GetBytes(new string(' ', rng.Next(1, 4))));
            file.AddRange(json);
            file.AddRange(Encoding.ASCII.GetBytes(separators[rng.Next(separators.Length)]));
            switch (rng.Next(40))
            {
                case 0:
                    file.AddRange(Encoding.ASCII.GetBytes(BrokenButWhole[rng.Next(BrokenButWhole.Length)] + "\n"));
                    brokenButWhole++;
                    break;
                case 1:
                    file.AddRange(BrokenNotWhole[rng.Next(BrokenNotWhole.Length)]);
                    file.Add((byte)'\n');
                    break;
                case 2:
                    // oversized, with and without a literal
                    string pad = new('p', MaxRecord + rng.Next(1, 3000));
                    file.AddRange(Encoding.ASCII.GetBytes(rng.Next(2) == 0 ? $"{{\"pad\":\"{pad}\"}}\n" : $"{{\"Operation\":\"MessageSent\",\"pad\":\"{pad}\"}}\n"));
                    break;
            }
        }
        file.AddRange("""{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MailItemsAccessed","Workload":"Exchange"}"""u8.ToArray()); // no final newline
        var bytes = file.ToArray();

        // The record-by-record rule, over the same lines the worker splits.
        long framed = 0, oversized = 0, cleared = 0;
        int pos = 0;
        while (NdjsonLines.Next(bytes, ref pos, out int start, out int length))
        {
            framed++;
            var record = bytes.AsSpan(start, length);
            if (length > MaxRecord) oversized++;
            else if (!RecordPrefilter.Default.MayMatch(record) && ScanWorker.LooksWhole(record, MaxDepth)) cleared++;
        }

        ScanOptions Tweak(ScanOptions o, bool prefilter) => o with { Threads = threads, BlockBytes = blockBytes, MaxRecordBytes = MaxRecord, MaxDepth = MaxDepth, Prefilter = prefilter };
        var offResult = BadInputScan.Bytes(bytes, o => Tweak(o, false));
        var off = offResult.Summary;
        var onResult = BadInputScan.Bytes(bytes, o => Tweak(o, true));
        var on = onResult.Summary;

        Assert.Equal((framed, oversized), (off.RecordsFramed, off.Oversized));
        Assert.Equal((framed, oversized, cleared), (on.RecordsFramed, on.Oversized, on.RecordsCleared));
        Assert.Equal(off.Malformed - brokenButWhole, on.Malformed);
        Assert.True(cleared > framed / 2, $"the screen should clear most records ({cleared} of {framed})");
        Assert.True(brokenButWhole > 0 && on.Malformed > 0, "the corpus should hold bad records of both sorts");
        Assert.Equal(Hit.Of(offResult.Detections), Hit.Of(onResult.Detections));
    }

    [Theory]
    [InlineData(1, 16 << 10, 4, false)]
    [InlineData(3, 64 << 10, 5, true)]
    [InlineData(2, 1 << 20, 6, true)]
    public void Elements_of_arrays_and_wrappers_are_accounted_exactly_as_record_by_record(int threads, int blockBytes, int seed, bool wrapper)
    {
        var rng = new Random(seed);
        var elements = new List<byte[]>();
        int brokenButWhole = 0;
        foreach (var (json, _) in CorpusGenerator.Records(new GeneratorOptions(seed, 700_000, seed % 2 == 0 ? Mix.TeamsHeavy : Mix.Typical, PlantRate: 0.05)))
        {
            elements.Add(json);
            switch (rng.Next(40))
            {
                case 0:
                    elements.Add(Encoding.ASCII.GetBytes(BrokenButWhole[rng.Next(BrokenButWhole.Length)]));
                    brokenButWhole++;
                    break;
                case 1:
                    // not an object, bad UTF-8, too deep: parsed and malformed either way
                    elements.Add(BrokenNotWhole[1 + rng.Next(BrokenNotWhole.Length - 1)]);
                    break;
                case 2:
                    string pad = new('p', MaxRecord + rng.Next(1, 3000));
                    elements.Add(Encoding.ASCII.GetBytes(rng.Next(2) == 0 ? $"{{\"pad\":\"{pad}\"}}" : $"{{\"Operation\":\"MessageSent\",\"pad\":\"{pad}\"}}"));
                    break;
            }
        }
        var file = new List<byte>(Encoding.ASCII.GetBytes(wrapper ? "{\"@odata.context\":\"x\",\"value\":[\n" : "[\n"));
        for (int i = 0; i < elements.Count; i++)
        {
            if (i > 0) file.AddRange(Encoding.ASCII.GetBytes(rng.Next(3) == 0 ? " ,\r\n  " : ","));
            file.AddRange(elements[i]);
        }
        file.AddRange(Encoding.ASCII.GetBytes(wrapper ? "]}" : "]"));
        var bytes = file.ToArray();

        long oversized = elements.Count(e => e.Length > MaxRecord);
        long cleared = elements.Count(e => e.Length <= MaxRecord && !RecordPrefilter.Default.MayMatch(e) && ScanWorker.LooksWhole(e, MaxDepth));
        ScanOptions Tweak(ScanOptions o, bool prefilter) => o with { Threads = threads, BlockBytes = blockBytes, MaxRecordBytes = MaxRecord, MaxDepth = MaxDepth, Prefilter = prefilter };
        var offResult = BadInputScan.Bytes(bytes, o => Tweak(o, false));
        var onResult = BadInputScan.Bytes(bytes, o => Tweak(o, true));
        var (off, on) = (offResult.Summary, onResult.Summary);

        Assert.Equal((long)elements.Count, off.RecordsFramed);
        Assert.Equal((off.RecordsFramed, oversized, cleared), (on.RecordsFramed, on.Oversized, on.RecordsCleared));
        Assert.Equal(oversized, off.Oversized);
        Assert.Equal(off.Malformed - brokenButWhole, on.Malformed);
        Assert.True(cleared > elements.Count / 2 && brokenButWhole > 0, $"cleared {cleared} of {elements.Count}, {brokenButWhole} broken");
        Assert.Equal(Hit.Of(offResult.Detections), Hit.Of(onResult.Detections));
    }
}
