namespace HuntEngine;

/// <summary>
/// Strings in Unicode code point order, which is the order of their UTF-8 bytes and the one Arrow,
/// DuckDB, Python, Rust and Go sort by. <see cref="string.CompareOrdinal(string, string)"/> compares
/// UTF-16 code units instead, which puts a character above U+FFFF (a surrogate pair, D800–DFFF)
/// before U+E000–U+FFFF: "😀" before "～". Output rows sort by source file in this order (spec §4).
/// </summary>
internal static class CodePointOrder
{
    public static readonly IComparer<string> Comparer = Comparer<string>.Create(Compare);

    public static int Compare(string? a, string? b)
    {
        if (a is null || b is null) return a is null ? (b is null ? 0 : -1) : 1;
        int common = a.AsSpan().CommonPrefixLength(b);
        if (common == a.Length || common == b.Length) return a.Length.CompareTo(b.Length);
        return Rank(a[common]).CompareTo(Rank(b[common]));
    }

    // Surrogates (D800–DFFF) move above E000–FFFF; the rest keep their order.
    private static int Rank(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;
}
