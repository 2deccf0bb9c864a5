namespace HuntEngine.Framing;

/// <summary>Sizes the framer works with. A record larger than <see cref="MaxRecordBytes"/> is skipped by streaming, never loaded.</summary>
internal readonly record struct FramingLimits(int BlockBytes, int MaxRecordBytes, int MaxDepth)
{
    /// <summary>
    /// The spec sets no depth limit: valid JSON is a record however deep it nests. The parser's walk
    /// is iterative, so depth costs nothing but a bit per level; 10,000 (Go's encoding/json bound)
    /// only stops absurd input. (512 had made records of 513 levels, which Python reads, malformed.)
    /// </summary>
    public static FramingLimits Default => new(BlockBytes: 4 << 20, MaxRecordBytes: 64 << 20, MaxDepth: 10_000);

    /// <summary>
    /// Framing tolerates far deeper nesting than parsing, so the parser, not the framer, names the
    /// record that nests too deep and framing goes on after it (past its own limit a container
    /// cannot be framed further: a bit per level, 8 KiB at the default).
    /// </summary>
    public int FramingDepth => Math.Max(MaxDepth * 2, 1 << 16);
}
