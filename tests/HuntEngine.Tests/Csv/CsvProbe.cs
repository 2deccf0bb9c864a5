using System.Text;
using HuntEngine.Framing;
using HuntEngine.Parsing;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Csv;

/// <summary>Runs <see cref="CsvFramer"/> alone over bytes or a file and returns what it framed, in order.</summary>
internal static class CsvProbe
{
    public sealed record Framed(FrameKind Kind, long Offset, byte[] Bytes, FrameReason Reason, long SkippedBytes)
    {
        public string Text => Encoding.UTF8.GetString(Bytes);
    }

    public sealed record Result(List<Framed> Frames, CsvLayout Layout, long BytesRead, Exception? StreamError)
    {
        public IEnumerable<Framed> Records => Frames.Where(f => f.Kind == FrameKind.Record);
    }

    public static Result Frame(byte[] data, int blockBytes = 4 << 20, int readSize = 1 << 20, int maxRecordBytes = 64 << 20) =>
        Frame(new MemoryStream(data), blockBytes, readSize, maxRecordBytes);

    public static Result Frame(Stream stream, int blockBytes = 4 << 20, int readSize = 1 << 20, int maxRecordBytes = 64 << 20)
    {
        var blocks = new List<RecordBlock>();
        var framer = new CsvFramer(stream, 0, new FramingLimits(blockBytes, maxRecordBytes, 512), blocks.Add, CancellationToken.None, readSize);
        var head = framer.Prefetch(Math.Min(4096, blockBytes / 2));
        framer.Run(head.StartsWith("\uFEFF"u8) ? 3 : 0);

        var frames = new List<Framed>();
        Assert.NotEmpty(blocks);
        for (int b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            Assert.True(block.UsPortalTimestamps, "every CSV block reads the US portal timestamps");
            foreach (var f in block.Frames)
            {
                Assert.InRange(f.Start + f.Length, 0, block.Length);
                frames.Add(new Framed(f.Kind, f.Offset, block.Bytes(f).ToArray(), f.Reason, f.SkippedBytes));
            }
            block.Release();
        }
        return new Result(frames, framer.Layout, framer.BytesRead, framer.StreamError);
    }

    /// <summary>Every row of a CSV file as the engine frames and normalizes it (rows the framer or parser rejects as null).</summary>
    public static List<(long Offset, EngineProbe.Row? Row)> RowsOf(string path)
    {
        using var source = HuntEngine.Sources.SourceStream.Open(path);
        var result = Frame(source.Decoded);
        return result.Frames
            .Select(f => (f.Offset, f.Kind == FrameKind.Record && EngineProbe.ParseOutcomeOf(f.Bytes) == ParseOutcome.Ok
                ? EngineProbe.Normalize(f.Text, csvTimestamps: true)
                : null))
            .ToList();
    }
}
