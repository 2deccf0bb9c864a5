using System.Text;
using System.Text.RegularExpressions;
using HuntEngine.Batches;
using HuntEngine.Parsing;

namespace HuntEngine.Matching;

/// <summary>
/// A <see cref="Condition"/> compiled to the cheapest exact test for its op: ordinal literals as
/// UTF-8 for vectorized <c>IndexOf</c>, case rules applied by lowering the value (never the
/// literals at match time), the host regex as a compiled, non-backtracking automaton.
/// </summary>
internal sealed class CompiledCondition
{
    private readonly byte[][] _literals;
    private readonly Regex? _regex;

    public CompiledCondition(Condition spec)
    {
        Spec = spec;
        bool lowered = spec.Op is MatchOp.LowerInvariantContains or MatchOp.AsciiIgnoreCaseContains;
        foreach (var v in spec.Values)
        {
            if (lowered && (v.Any(ch => ch >= 0x80) || v != v.ToLowerInvariant()))
                throw new InvalidOperationException($"case-insensitive literal '{v}' must be lower-case ASCII");
        }
        _literals = spec.Values.Select(v => Encoding.UTF8.GetBytes(v)).ToArray();
        if (spec.Regex is not null)
            _regex = new Regex(spec.Regex, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
    }

    public Condition Spec { get; }
    public Column Column => Spec.Column;

    /// <summary>Keeps in <paramref name="rows"/> only the rows whose value passes; returns how many remain.</summary>
    public int Filter(NormalizedBatch batch, Span<int> rows, int count, ref byte[] scratch)
    {
        int kept = 0;
        if (Columns.IsInt64(Spec.Column))
        {
            var col = Spec.Column == Column.EventTime ? batch.EventTime : batch.SentBytes;
            for (int i = 0; i < count; i++)
            {
                int r = rows[i];
                var v = col.Get(r);
                bool pass = Spec.Op switch
                {
                    MatchOp.NotNull => v.HasValue,
                    MatchOp.GreaterThan => v > Spec.Threshold,
                    _ => false,
                };
                if (pass) rows[kept++] = r;
            }
            return kept;
        }

        // Columns such as log_source_type, event_name or user_type repeat in runs (a block is mostly
        // one kind): a value equal to the last one tested has the same outcome, for one compare.
        var strings = batch.Strings(Spec.Column);
        ReadOnlySpan<byte> last = default;
        bool lastPassed = false, haveLast = false;
        for (int i = 0; i < count; i++)
        {
            int r = rows[i];
            if (strings.IsNull(r)) continue;
            var value = strings.Get(r);
            if (!haveLast || !value.SequenceEqual(last))
            {
                lastPassed = Test(value, ref scratch);
                last = value;
                haveLast = true;
            }
            if (lastPassed) rows[kept++] = r;
        }
        return kept;
    }

    public bool Test(ReadOnlySpan<byte> value, ref byte[] scratch)
    {
        switch (Spec.Op)
        {
            case MatchOp.NotNull:
                return true;
            case MatchOp.Contains:
                return ContainsAny(value);
            case MatchOp.EqualsAny:
                foreach (var lit in _literals) if (value.SequenceEqual(lit)) return true;
                return false;
            case MatchOp.LowerInvariantContains:
            {
                if (scratch.Length < value.Length) scratch = new byte[value.Length * 2];
                int n = InvariantLowering.Lower(value, scratch);
                return ContainsAny(scratch.AsSpan(0, n));
            }
            case MatchOp.AsciiIgnoreCaseContains:
            {
                if (scratch.Length < value.Length) scratch = new byte[value.Length * 2];
                int n = InvariantLowering.LowerAscii(value, scratch);
                return ContainsAny(scratch.AsSpan(0, n));
            }
            case MatchOp.HostInDomains:
                return HostInDomains(value);
            default:
                return false;
        }
    }

    private bool ContainsAny(ReadOnlySpan<byte> value)
    {
        foreach (var lit in _literals) if (value.IndexOf(lit) >= 0) return true;
        return false;
    }

    private bool HostInDomains(ReadOnlySpan<byte> host)
    {
        foreach (var d in _literals)
        {
            if (host.SequenceEqual(d)) return true;
            if (host.Length > d.Length && host.EndsWith(d) && host[host.Length - d.Length - 1] == '.') return true;
        }
        if (_regex is null) return false;
        Span<char> chars = host.Length <= 512 ? stackalloc char[host.Length] : new char[host.Length];
        int n = Encoding.UTF8.GetChars(host, chars);
        return _regex.IsMatch(chars[..n]);
    }
}
