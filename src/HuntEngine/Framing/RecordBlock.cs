using System.Buffers;

namespace HuntEngine.Framing;

/// <summary>What the framer found at one place in the stream.</summary>
internal enum FrameKind : byte
{
    /// <summary>A candidate record: its bytes are handed to the parser, which may still reject them.</summary>
    Record,
    /// <summary>Bytes the framer itself knows cannot be a record (an array cut short, stray content).</summary>
    Malformed,
    /// <summary>A record larger than the configured maximum: counted and reported, never loaded.</summary>
    Oversized,
    /// <summary>
    /// Whole NDJSON lines, cut by the framer at a newline and split into records by the worker
    /// (<see cref="NdjsonLines"/>), so framing a huge file runs on every core.
    /// </summary>
    LineChunk,
}

/// <summary>One framed item. <see cref="Start"/> indexes the block's buffer; <see cref="Offset"/> is absolute in the decompressed stream.</summary>
internal readonly record struct Frame(FrameKind Kind, int Start, int Length, long Offset, FrameReason Reason = FrameReason.None)
{
    /// <summary>For <see cref="FrameKind.Oversized"/>: how many bytes the record spans (they were never loaded).</summary>
    public long SkippedBytes { get; init; }
}

/// <summary>Why the framer set bytes aside. Text lives in <see cref="FrameReasons"/> so the hot path carries a byte.</summary>
internal enum FrameReason : byte
{
    None,
    ArrayCutShort,
    ObjectCutShort,
    TopLevelNotObject,
    TrailingContent,
    MissingArrayElement,
    BrokenStructure,
    BrokenPrettyObject,
    RecordTooLarge,
    CsvUnterminatedQuote,
    CsvHeaderUnterminatedQuote,
    CsvHeaderTooLarge,
    CsvHeaderBareCarriageReturn,
    CsvMissingAuditData,
    CsvEmptyAuditData,
    CsvInvalidUtf8,
    MissingComma,
    StrayClosingBrace,
}

internal static class FrameReasons
{
    public static string Describe(FrameReason reason) => reason switch
    {
        FrameReason.ArrayCutShort => "array cut short: the element is truncated",
        FrameReason.ObjectCutShort => "truncated: the object is not closed before the end of the stream",
        FrameReason.TopLevelNotObject => "content at the top level that is not a JSON object",
        FrameReason.TrailingContent => "content after the end of the top-level JSON value",
        FrameReason.MissingArrayElement => "empty element in a JSON array (stray comma)",
        FrameReason.MissingComma => "no comma between two elements of a JSON array",
        FrameReason.StrayClosingBrace => "a stray '}' between elements of a JSON array (one too many in the element before it)",
        FrameReason.BrokenStructure => "brackets do not balance or nest too deep; the rest of the container cannot be framed",
        FrameReason.BrokenPrettyObject => "a pretty-printed object that is cut short or broken: one bad record, up to the next line that opens an object",
        FrameReason.RecordTooLarge => "record larger than the maximum record size; skipped without loading",
        FrameReason.CsvUnterminatedQuote => "CSV row with an unterminated quote (it runs to the end of the file)",
        FrameReason.CsvHeaderUnterminatedQuote => "CSV header with an unterminated quote: the file has no rows",
        FrameReason.CsvHeaderTooLarge => "CSV header row larger than the maximum record size: the file's rows were not read",
        FrameReason.CsvHeaderBareCarriageReturn => "CSV header holding a carriage return: lines ending in CR alone are not read (convert them to LF or CRLF); the file's rows were not read",
        FrameReason.CsvMissingAuditData => "CSV row without an AuditData cell",
        FrameReason.CsvEmptyAuditData => "CSV row with an empty AuditData cell",
        FrameReason.CsvInvalidUtf8 => "invalid UTF-8 in a CSV cell",
        _ => "malformed",
    };
}

/// <summary>
/// A run of framed items over one buffer: the unit of work handed from a framer to a worker. The
/// buffer is a pooled array, or a range of a memory-mapped file; the worker gives it back when done
/// (<see cref="Release"/>).
/// </summary>
internal sealed class RecordBlock
{
    private readonly byte[]? _pooled;
    private readonly Sources.MappedRange? _mapped;

    public RecordBlock(int fileIndex, byte[] buffer, int length, bool pooled)
    {
        FileIndex = fileIndex;
        Memory = buffer.AsMemory(0, length);
        _pooled = pooled ? buffer : null;
    }

    public RecordBlock(int fileIndex, Sources.MappedRange mapped)
    {
        FileIndex = fileIndex;
        Memory = mapped.Memory;
        _mapped = mapped;
    }

    public int FileIndex { get; }
    /// <summary>The block's bytes; frames index them.</summary>
    public ReadOnlyMemory<byte> Memory { get; }
    public int Length => Memory.Length;
    public List<Frame> Frames { get; } = new();

    /// <summary>Records of this block come from a CSV export: the US portal timestamp forms are read (spec §2).</summary>
    public bool UsPortalTimestamps { get; init; }

    /// <summary>
    /// A batch of rows already normalized, in a columnar store part (<c>hunt convert</c>): the worker
    /// reads (decompresses) it itself and matches it without parsing.
    /// </summary>
    public StoredBatch? Stored { get; init; }

    public ReadOnlySpan<byte> Bytes(in Frame f) => Memory.Span.Slice(f.Start, f.Length);

    public void Release()
    {
        if (_pooled is not null) ArrayPool<byte>.Shared.Return(_pooled);
        _mapped?.Release();
    }
}

/// <summary>Batch <paramref name="Index"/> of the store part that is the block's file.</summary>
internal sealed record StoredBatch(Batches.StoreFormat Format, int Index);
