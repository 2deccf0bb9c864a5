namespace HuntEngine.Framing;

/// <summary>Sizes the framer works with. A record larger than <see cref="MaxRecordBytes"/> is skipped by streaming, never loaded.</summary>
internal readonly record struct FramingLimits(int BlockBytes, int MaxRecordBytes, int MaxDepth)
{
    public static FramingLimits Default => new(BlockBytes: 4 << 20, MaxRecordBytes: 64 << 20, MaxDepth: 512);

    /// <summary>Framing tolerates deeper nesting than parsing so the parser, not the framer, names the record that nests too deep.</summary>
    public int FramingDepth => Math.Max(MaxDepth * 2, 1024);
}
