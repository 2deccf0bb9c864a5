using System.Globalization;
using HuntEngine.DataGen;
using HuntEngine.Framing;

namespace HuntEngine.Benchmarks;

/// <summary>
/// The generated NDJSON corpus every stage benchmark reads: one file per mix, fixed seed,
/// <see cref="SizeBytes"/> decompressed (32 MiB unless <c>HUNT_BENCH_MB</c> says otherwise). It is
/// written once to the temp folder and reused, because BenchmarkDotNet runs each case in a new
/// process and the host process needs the same byte count for its MB/s column.
/// </summary>
internal static class BenchCorpus
{
    public const int Seed = 20260101;

    public static long SizeBytes { get; } =
        (long.TryParse(Environment.GetEnvironmentVariable("HUNT_BENCH_MB"), NumberStyles.None, CultureInfo.InvariantCulture, out long mb) && mb > 0 ? mb : 32) << 20;

    private static readonly Dictionary<Mix, (string Path, byte[] Bytes, long Records)> Cache = new();

    /// <summary>The generator build (deterministic builds derive the module id from the code): a changed generator writes a new corpus file.</summary>
    public static string GeneratorVersion { get; } = typeof(CorpusGenerator).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..8];

    /// <summary>The corpus file (generated on first use).</summary>
    public static string PathOf(Mix mix) => Load(mix).Path;

    /// <summary>The corpus bytes, as <c>hunt</c> would read them from the file.</summary>
    public static byte[] Bytes(Mix mix) => Load(mix).Bytes;

    /// <summary>How many record frames the corpus holds (for the records/s column).</summary>
    public static long Records(Mix mix) => Load(mix).Records;

    /// <summary>Where the framer starts: after a UTF-8 BOM, as <c>HuntScanner</c> does.</summary>
    public static int Start(byte[] bytes) => bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;

    private static (string Path, byte[] Bytes, long Records) Load(Mix mix)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(mix, out var hit)) return hit;
            string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "huntengine-bench");
            Directory.CreateDirectory(dir);
            string name = string.Create(CultureInfo.InvariantCulture, $"{(mix == Mix.Typical ? "typical" : "teams-heavy")}-{SizeBytes}-s{Seed}-g{GeneratorVersion}.ndjson");
            string path = System.IO.Path.Combine(dir, name);
            if (!File.Exists(path))
            {
                string part = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".part";
                CorpusGenerator.WriteFile(part, Container.Ndjson, Compression.None, new GeneratorOptions(Seed, SizeBytes, mix), name);
                File.Move(part, path, overwrite: true);
            }
            byte[] bytes = File.ReadAllBytes(path);
            long records = 0;
            Frame(bytes, block =>
            {
                records += BlockRecords.Count(block);
                block.Release();
            });
            var entry = (path, bytes, records);
            Cache[mix] = entry;
            return entry;
        }
    }

    /// <summary>Frames <paramref name="bytes"/> as the scanner frames a plain file, handing each block to <paramref name="emit"/>.</summary>
    public static void Frame(byte[] bytes, Action<RecordBlock> emit)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var framer = new JsonStreamFramer(stream, fileIndex: 0, FramingLimits.Default, emit, CancellationToken.None);
        framer.Run(Start(bytes));
    }

    /// <summary>The corpus framed into blocks that stay alive (their pooled buffers are held until <see cref="Release"/>).</summary>
    public static List<RecordBlock> FramedBlocks(Mix mix)
    {
        var blocks = new List<RecordBlock>();
        Frame(Bytes(mix), blocks.Add);
        return blocks;
    }

    public static void Release(List<RecordBlock>? blocks)
    {
        if (blocks is null) return;
        foreach (var b in blocks) b.Release();
        blocks.Clear();
    }
}

/// <summary>
/// The records of a block as the scan worker sees them: a <see cref="FrameKind.Record"/> frame is
/// one record; a <see cref="FrameKind.LineChunk"/> (NDJSON: whole lines, cut by the framer at the
/// last newline of a read) is split with <see cref="NdjsonLines.Next"/>, as <c>ScanWorker</c> does.
/// A cursor, not a callback, so the parse benchmark pays no delegate call per record.
/// </summary>
internal struct BlockRecords(RecordBlock block)
{
    private int _frame = -1;
    private int _pos;
    private bool _inChunk;

    public static long Count(RecordBlock block)
    {
        var cursor = new BlockRecords(block);
        long n = 0;
        while (cursor.Next(out _, out _, out _)) n++;
        return n;
    }

    public bool Next(out int start, out int length, out long offset)
    {
        var frames = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(block.Frames);
        while (true)
        {
            if (_inChunk)
            {
                ref readonly var f = ref frames[_frame];
                if (NdjsonLines.Next(block.Bytes(f), ref _pos, out int s, out int n))
                {
                    start = f.Start + s;
                    length = n;
                    offset = f.Offset + s;
                    return true;
                }
                _inChunk = false;
            }
            if (++_frame >= frames.Length)
            {
                start = length = 0;
                offset = 0;
                return false;
            }
            ref readonly var next = ref frames[_frame];
            if (next.Kind == FrameKind.Record)
            {
                start = next.Start;
                length = next.Length;
                offset = next.Offset;
                return true;
            }
            if (next.Kind == FrameKind.LineChunk)
            {
                _inChunk = true;
                _pos = 0;
            }
        }
    }
}
