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
/// into ASCII (the Kelvin sign; <see cref="InvariantLowering.NonAsciiToAscii"/>, read from the
/// runtime), so for those a record holding any such character is parsed. Keys,
/// key order, whitespace and duplicates do not matter: the search is over the whole record.
/// </para>
/// </summary>
internal sealed class RecordPrefilter
{
    private readonly Requirement[][] _alternatives; // any pattern (OR) whose requirements (AND) all hold
    // Every alternative needs its cheapest requirement: one vectorized pass over the record finds
    // which of those literals (and whether a \u escape) it holds, and only the alternatives whose
    // first requirement holds are tested further. A record holding none is cleared.
    private readonly Utf8LiteralScreen? _screen;
    private readonly ulong[] _alternativesOf = [];  // per screen literal: the alternatives whose first requirement it is
    private int EscapeLiteral => _alternativesOf.Length - 1; // the last screen literal is \u

    private RecordPrefilter(Requirement[][] alternatives, ReadOnlySpan<byte> sample = default)
    {
        _alternatives = alternatives;
        if (alternatives.Length is > 0 and <= 64 && alternatives.All(a => a.Length > 0 && !a[0].NonAsciiMayHide))
        {
            var literals = new List<(string Text, bool IgnoreCase)>();
            var owners = new List<ulong>();
            for (int a = 0; a < alternatives.Length; a++)
            {
                foreach (var l in alternatives[a][0].Literals)
                {
                    var key = alternatives[a][0].CaseInsensitive ? (l.ToLowerInvariant(), true) : (l, false);
                    int at = literals.IndexOf(key);
                    if (at < 0)
                    {
                        at = literals.Count;
                        literals.Add(key);
                        owners.Add(0);
                    }
                    owners[at] |= 1UL << a;
                }
            }
            literals.Add(("\\u", false));
            owners.Add(0);
            if (literals.Count <= 64)
            {
                _alternativesOf = owners.ToArray();
                _screen = Utf8LiteralScreen.Create(literals.Select(x => new ScreenLiteral(Encoding.ASCII.GetBytes(x.Text), x.IgnoreCase)).ToArray(), sample);
            }
        }
    }

    public static RecordPrefilter Default { get; } = Derive(PatternCatalog.Patterns, PatternCatalog.Aggregates, KindCatalog.Kinds);

    /// <summary>
    /// The same prefilter with its screen's fingerprints picked from <paramref name="sample"/> (the
    /// data about to be scanned): faster on data like it, identical in what it clears.
    /// </summary>
    public RecordPrefilter TunedTo(ReadOnlySpan<byte> sample)
    {
        var tuned = new Requirement[_alternatives.Length][];
        for (int a = 0; a < tuned.Length; a++)
        {
            tuned[a] = new Requirement[_alternatives[a].Length];
            for (int r = 0; r < tuned[a].Length; r++) tuned[a][r] = _alternatives[a][r].TunedTo(sample);
        }
        return new RecordPrefilter(tuned, sample);
    }

    /// <summary>Whether <see cref="NextScreenHit"/> can rule records out (else every record goes through <see cref="MayMatch"/>).</summary>
    public bool HasScreen => _screen is not null;

    /// <summary>
    /// Where the next screen literal at or after <paramref name="from"/> starts (-1: none). A run of
    /// records is screened with one search (see <see cref="Utf8LiteralScreen.Find"/> and
    /// <see cref="ScreenSweep"/>): a record with no hit inside it cannot match; one with a hit goes
    /// through <see cref="MayMatch"/>.
    /// </summary>
    public int NextScreenHit(ReadOnlySpan<byte> text, int from) => _screen!.Find(text, from);

    /// <summary>Per pattern, the requirements found (for tests and the benchmark's report).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Describe() =>
        _alternatives.Select(a => (IReadOnlyList<string>)a.Select(r => r.ToString()).ToList()).ToList();

    /// <summary>False only when the record cannot match any pattern nor be an aggregate's event.</summary>
    public bool MayMatch(ReadOnlySpan<byte> record)
    {
        if (_alternatives.Length == 0) return false;
        if (_screen is null) return MayMatchWithoutScreen(record);
        ulong held = _screen.LiteralsIn(record);
        if (held == 0) return false;
        if ((held >> EscapeLiteral & 1) != 0) return true; // a \u escape can hide any literal
        ulong candidates = 0;
        for (ulong h = held; h != 0; h &= h - 1) candidates |= _alternativesOf[System.Numerics.BitOperations.TrailingZeroCount(h)];
        for (; candidates != 0; candidates &= candidates - 1)
        {
            // The first requirement holds (one of its literals is in the record): test the rest.
            if (AllHold(_alternatives[System.Numerics.BitOperations.TrailingZeroCount(candidates)], 1, record)) return true;
        }
        return false;
    }

    /// <summary>
    /// The same answer as <see cref="MayMatch"/>, by testing every requirement of every alternative
    /// (when there is no screen, and as the reference the tests hold the screen to).
    /// </summary>
    internal bool MayMatchWithoutScreen(ReadOnlySpan<byte> record)
    {
        if (_alternatives.Length == 0) return false;
        if (record.IndexOf("\\u"u8) >= 0) return true;
        foreach (var requirements in _alternatives)
            if (AllHold(requirements, 0, record)) return true;
        return false;
    }

    private static bool AllHold(Requirement[] requirements, int from, ReadOnlySpan<byte> record)
    {
        for (int i = from; i < requirements.Length; i++)
            if (!requirements[i].Holds(record)) return false;
        return true;
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
        // ASCII literals compared ignoring case: one spelling each (else "Mega" and "mega" would each
        // contain the other and the minimal set below would keep neither).
        if (caseInsensitive) list = list.Select(l => l.ToLowerInvariant()).Distinct().ToList();
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

    /// <summary>The record must contain one of the literals (ordinal, or ASCII case-insensitively).</summary>
    private sealed class Requirement
    {
        private readonly byte[]? _single;            // one ordinal literal: a plain vectorized IndexOf
        private readonly Utf8LiteralScreen? _screen; // otherwise one multi-literal pass

        public Requirement(Column column, string[] literals, bool caseInsensitive, bool nonAsciiMayHide, ReadOnlySpan<byte> sample = default)
        {
            Column = column;
            Literals = literals;
            CaseInsensitive = caseInsensitive;
            NonAsciiMayHide = nonAsciiMayHide;
            var screened = literals.Select(l => new ScreenLiteral(Encoding.ASCII.GetBytes(l), caseInsensitive));
            // A character that lower-cases into ASCII (the Kelvin sign) can stand for a letter of a
            // literal: the record may hold the literal if it holds one of those, in its UTF-8 form.
            if (nonAsciiMayHide) screened = screened.Concat(InvariantLowering.NonAsciiToAscii.Select(m => new ScreenLiteral(m.Utf8, false)));
            var all = screened.ToArray();
            if (all.Length == 1 && !caseInsensitive) _single = all[0].Bytes;
            else _screen = Utf8LiteralScreen.Create(all, sample);
        }

        public Requirement TunedTo(ReadOnlySpan<byte> sample) => new(Column, Literals, CaseInsensitive, NonAsciiMayHide, sample);

        public Column Column { get; }
        public string[] Literals { get; }
        public bool CaseInsensitive { get; }
        public bool NonAsciiMayHide { get; }

        /// <summary>Ordinal searches first, case-insensitive ones after.</summary>
        public int Cost => (CaseInsensitive ? 100 : 0) + Literals.Length;

        public bool Holds(ReadOnlySpan<byte> record)
        {
            return _single is not null ? record.IndexOf(_single) >= 0 : _screen!.Find(record, 0) >= 0;
        }

        public override string ToString() =>
            $"{Columns.Name(Column)}: {(CaseInsensitive ? "ascii-ci" : "ordinal")} any of [{string.Join(", ", Literals)}]{(NonAsciiMayHide ? " (or a character lowering into ASCII)" : "")}";
    }
}

/// <summary>
/// Screens the records of one text (a run of NDJSON lines) in order with as few searches as there
/// are records holding a hit. Exact because <see cref="Utf8LiteralScreen.Find"/> returns, from a
/// position, a hit below the end of any record that wholly holds a literal; so a record that ends
/// at or before the next hit holds none, and only past a hit is the search repeated.
/// </summary>
internal struct ScreenSweep
{
    private int _hit;      // the next hit at or after _searched; -1: none
    private int _searched; // where the last search started; -1: none yet

    public ScreenSweep() => _searched = -1;

    /// <summary>
    /// Whether the record at [<paramref name="start"/>, +<paramref name="length"/>) of
    /// <paramref name="text"/> holds no screen literal (so <see cref="RecordPrefilter.MayMatch"/> is
    /// false for it). Records must come in increasing order of start.
    /// </summary>
    public bool Clears(RecordPrefilter prefilter, ReadOnlySpan<byte> text, int start, int length)
    {
        if (_searched < 0 || _searched > start || (_hit >= 0 && _hit < start))
        {
            _hit = prefilter.NextScreenHit(text, start);
            _searched = start;
        }
        return _hit < 0 || _hit >= start + length;
    }
}
