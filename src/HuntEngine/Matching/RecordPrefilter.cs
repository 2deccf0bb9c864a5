using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using HuntEngine.Parsing;

namespace HuntEngine.Matching;

/// <summary>
/// Decides from a record's raw bytes, before parsing, that it cannot match any pattern or be an
/// aggregate's event ("filter before you parse": Palkar et al., VLDB 2018). It may let through
/// records that do not match (they are parsed and tested as usual); it never clears one that
/// would. The literals come from the compiled patterns and the kind catalog, not from a hand list.
/// <para>
/// Why it is exact. A condition "column contains/equals one of L" can only hold if the column's
/// value holds some l in L. When every kind takes that column straight from the record's text
/// (no constant that could hold l, no transform that could create it), an l in the value is an l
/// in the record's bytes, unless JSON spelled part of it differently. The only spelling that can
/// hide a character of these literals is a <c>\u</c> escape (the other escapes stand for
/// <c>" \ /</c> and control characters, which no literal holds; derivation checks that), so a
/// record with <c>\u</c> anywhere is always parsed. Case-insensitive conditions search
/// case-insensitively; the invariant lower-casing of usernames can also turn a non-ASCII letter
/// into ASCII (the Kelvin sign), so for those a record with any non-ASCII byte is parsed. Keys,
/// key order, whitespace and duplicates do not matter: the search is over the whole record.
/// </para>
/// </summary>
internal sealed class RecordPrefilter
{
    private readonly Requirement[][] _alternatives; // any pattern (OR) whose requirements (AND) all hold
    // Every alternative needs its cheapest requirement: a record holding none of those literals (and
    // no \u escape) is cleared after two vectorized passes over it, widened once.
    private readonly LiteralScreen? _screen;

    private RecordPrefilter(Requirement[][] alternatives)
    {
        _alternatives = alternatives;
        if (alternatives.Length > 0 && alternatives.All(a => a.Length > 0 && !a[0].NonAsciiMayHide))
            _screen = new LiteralScreen(alternatives.Select(a => a[0]));
    }

    public static RecordPrefilter Default { get; } = Derive(PatternCatalog.Patterns, PatternCatalog.Aggregates, KindCatalog.Kinds);

    /// <summary>Per pattern, the requirements found (for tests and the benchmark's report).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Describe() =>
        _alternatives.Select(a => (IReadOnlyList<string>)a.Select(r => r.ToString()).ToList()).ToList();

    /// <summary>False only when the record cannot match any pattern nor be an aggregate's event.</summary>
    public bool MayMatch(ReadOnlySpan<byte> record, ref char[] scratch)
    {
        if (_alternatives.Length == 0) return false;
        // No literal and no \u escape: cleared. (The screen leaves the record widened in scratch.)
        if (_screen is not null && !_screen.AnyIn(record, ref scratch)) return false;
        if (record.IndexOf("\\u"u8) >= 0) return true;
        bool widened = _screen is not null;
        foreach (var requirements in _alternatives)
        {
            bool all = true;
            foreach (var r in requirements)
            {
                if (!r.Holds(record, ref scratch, ref widened)) { all = false; break; }
            }
            if (all) return true;
        }
        return false;
    }

    public static RecordPrefilter Derive(IReadOnlyList<PatternSpec> patterns, IReadOnlyList<AggregateSpec> aggregates, IReadOnlyList<KindSpec> kinds)
    {
        var all = patterns.Select(p => p.AllOf).Concat(aggregates.Select(a => a.Events));
        var alternatives = new List<Requirement[]>();
        foreach (var conditions in all)
        {
            var reqs = conditions.Select(c => RequirementFor(c, kinds)).OfType<Requirement>()
                .OrderBy(r => r.Cost).ToArray();
            // A pattern with no derivable requirement could match any record: nothing can be cleared.
            if (reqs.Length == 0) return new RecordPrefilter([[]]);
            alternatives.Add(reqs);
        }
        return new RecordPrefilter(alternatives.ToArray());
    }

    /// <summary>The raw-bytes requirement a condition implies, or null when it implies none that is safe.</summary>
    private static Requirement? RequirementFor(Condition c, IReadOnlyList<KindSpec> kinds)
    {
        IEnumerable<string> literals = c.Values;
        bool caseInsensitive;
        bool nonAsciiMayHide = false;
        switch (c.Op)
        {
            case MatchOp.Contains:
            case MatchOp.EqualsAny:
                caseInsensitive = false;
                break;
            case MatchOp.AsciiIgnoreCaseContains:
                caseInsensitive = true;
                break;
            case MatchOp.LowerInvariantContains:
                caseInsensitive = true;
                nonAsciiMayHide = true;
                break;
            case MatchOp.HostInDomains:
                caseInsensitive = true; // the host is lower-cased (ASCII) from the record's text
                if (c.Regex is not null)
                {
                    string? suffix = RequiredSuffix(c.Regex);
                    if (suffix is null) return null;
                    literals = literals.Append(suffix);
                }
                break;
            default:
                return null;
        }
        var list = literals.Distinct().ToList();
        if (list.Count == 0 || list.Any(l => l.Length == 0 || l.Any(ch => ch is '"' or '\\' or '/' || ch < 0x20 || ch >= 0x80))) return null;
        if (!ColumnIsFromRecordText(c.Column, c.Op, list, kinds)) return null;
        // A whole value equal to a literal that only a JSON string can give stands in the record's
        // text right after a quote: `"high"` at the top level, `\"high\"` in JSON text held in a
        // string, `"high"` in the JSON synthesized for a CSV row (escapes force a parse anyway). The
        // quote makes the literal far rarer ("high" is in "highlight", "medium" in many names).
        if (c.Op == MatchOp.EqualsAny && list.All(OnlyAStringCanBe))
            list = list.Select(l => "\"" + l).ToList();
        // A literal containing another is implied by it: keep the shortest set (fewer searches).
        var minimal = list.Where(l => !list.Any(o => o != l && (caseInsensitive ? l.Contains(o, StringComparison.OrdinalIgnoreCase) : l.Contains(o, StringComparison.Ordinal)))).ToArray();
        return new Requirement(c.Column, minimal, caseInsensitive, nonAsciiMayHide);
    }

    /// <summary>
    /// True when, in every kind, the column is taken from the record's own text by a transform that
    /// cannot create the literals (and constants do not contain them).
    /// </summary>
    /// <summary>
    /// Whether a column value equal to <paramref name="literal"/> can only come from a JSON string:
    /// the text transform keeps a number's, a boolean's, an object's or an array's own text.
    /// </summary>
    private static bool OnlyAStringCanBe(string literal) =>
        literal is not ("true" or "false" or "null")
        && literal[0] is not ('{' or '[')
        && !double.TryParse(literal, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
        && !(literal[0] is '-' or (>= '0' and <= '9'));

    private static bool ColumnIsFromRecordText(Column column, MatchOp op, List<string> literals, IReadOnlyList<KindSpec> kinds)
    {
        foreach (var kind in kinds)
        {
            if (!kind.Columns.TryGetValue(column, out var src)) continue;
            if (src.Constant is { } k && literals.Any(l => k.Contains(l, StringComparison.OrdinalIgnoreCase))) return false;
            bool ok = src.Transform switch
            {
                ValueTransform.Text => true,
                ValueTransform.RemoteHost => op == MatchOp.HostInDomains, // a substring, ASCII-lower-cased: searched case-insensitively
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>
    /// Bytes to chars one for one (Latin-1, vectorized) for the vectorized multi-string searches of
    /// <see cref="SearchValues{T}"/>. Non-ASCII bytes become non-ASCII chars, which never equal an
    /// ASCII letter, so an ASCII (case-insensitive) hit in the bytes is a hit in the chars.
    /// </summary>
    private static void Widen(ReadOnlySpan<byte> record, ref char[] scratch)
    {
        if (scratch.Length < record.Length) scratch = new char[Math.Max(record.Length, scratch.Length * 2)];
        Encoding.Latin1.GetChars(record, scratch);
    }

    /// <summary>The literal text a regex match must end with (e.g. <c>amazonaws.com</c> for <c>...amazonaws\.com\z</c>), or null.</summary>
    internal static string? RequiredSuffix(string pattern)
    {
        string p = pattern;
        foreach (var anchor in new[] { "\\z", "$" })
            if (p.EndsWith(anchor, StringComparison.Ordinal)) { p = p[..^anchor.Length]; break; }
        var sb = new StringBuilder();
        int i = p.Length - 1;
        while (i >= 0)
        {
            char ch = p[i];
            if (i >= 1 && p[i - 1] == '\\' && (i < 2 || p[i - 2] != '\\') && !char.IsLetterOrDigit(ch)) { sb.Insert(0, ch); i -= 2; continue; }
            if (char.IsLetterOrDigit(ch) || ch == '-' || ch == '_') { if (i >= 1 && p[i - 1] == '\\') break; sb.Insert(0, ch); i--; continue; }
            break; // a class, group, quantifier or alternation: stop
        }
        // A quantifier right after the literal would make its last character optional.
        if (sb.Length < 3 || Regex.IsMatch(p[(i + 1)..], @"[*+?{]")) return null;
        return sb.ToString();
    }

    /// <summary>
    /// The first, cheapest test: is any alternative's first literal in the record, or a <c>\u</c>
    /// escape that could hide one? Two vectorized multi-string passes (Teddy) over the record widened
    /// to chars: one ordinal (the ordinal literals and <c>\u</c>), one ASCII case-insensitive.
    /// Measured faster than one IndexOf per literal, and than a separate scan of the bytes for a
    /// rare letter of each case-insensitive literal (JSON records are full of x and z).
    /// </summary>
    private sealed class LiteralScreen
    {
        private readonly SearchValues<string> _ordinal;
        private readonly SearchValues<string>? _ignoreCase;

        public LiteralScreen(IEnumerable<Requirement> requirements)
        {
            var list = requirements.ToList();
            _ordinal = SearchValues.Create(
                list.Where(r => !r.CaseInsensitive).SelectMany(r => r.Literals).Append("\\u").Distinct().ToArray(),
                StringComparison.Ordinal);
            var folded = list.Where(r => r.CaseInsensitive).SelectMany(r => r.Literals).Distinct().ToArray();
            // The literals are ASCII and the chars are the record's bytes (Latin-1 widening), so
            // OrdinalIgnoreCase folds exactly ASCII letters: no byte of 0x80 and above upper-cases
            // to an ASCII letter.
            if (folded.Length > 0) _ignoreCase = SearchValues.Create(folded, StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>Widens <paramref name="record"/> into <paramref name="scratch"/> and looks for any literal or <c>\u</c>.</summary>
        public bool AnyIn(ReadOnlySpan<byte> record, ref char[] scratch)
        {
            Widen(record, ref scratch);
            var chars = scratch.AsSpan(0, record.Length);
            return chars.IndexOfAny(_ordinal) >= 0 || (_ignoreCase is not null && chars.IndexOfAny(_ignoreCase) >= 0);
        }
    }

    /// <summary>The record must contain one of the literals (ordinal, or ASCII case-insensitively).</summary>
    private sealed class Requirement
    {
        private readonly byte[][] _utf8;
        private readonly SearchValues<string>? _ignoreCase;

        public Requirement(Column column, string[] literals, bool caseInsensitive, bool nonAsciiMayHide)
        {
            Column = column;
            Literals = literals;
            CaseInsensitive = caseInsensitive;
            NonAsciiMayHide = nonAsciiMayHide;
            _utf8 = literals.Select(l => Encoding.ASCII.GetBytes(l)).ToArray();
            if (caseInsensitive) _ignoreCase = SearchValues.Create(literals, StringComparison.OrdinalIgnoreCase);
        }

        public Column Column { get; }
        public string[] Literals { get; }
        public bool CaseInsensitive { get; }
        public bool NonAsciiMayHide { get; }

        /// <summary>Ordinal searches first (a vectorized IndexOf each), case-insensitive ones after.</summary>
        public int Cost => (CaseInsensitive ? 100 : 0) + Literals.Length;

        public bool Holds(ReadOnlySpan<byte> record, ref char[] scratch, ref bool widened)
        {
            if (!CaseInsensitive)
            {
                foreach (var l in _utf8) if (record.IndexOf(l) >= 0) return true;
                return false;
            }
            if (NonAsciiMayHide && !System.Text.Ascii.IsValid(record)) return true;
            if (!widened)
            {
                Widen(record, ref scratch);
                widened = true;
            }
            return scratch.AsSpan(0, record.Length).IndexOfAny(_ignoreCase!) >= 0;
        }

        public override string ToString() =>
            $"{Columns.Name(Column)}: {(CaseInsensitive ? "ascii-ci" : "ordinal")} any of [{string.Join(", ", Literals)}]{(NonAsciiMayHide ? " (non-ASCII parsed)" : "")}";
    }
}
