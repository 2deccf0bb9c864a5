using System.Text;
using System.Text.Json;
using HuntEngine.Batches;

namespace HuntEngine.Parsing;

/// <summary>
/// Turns a parsed record into one row of normalized columns: recognizes its kind (first match in
/// catalog order), then evaluates each column source (paths with fallbacks, then the transform).
/// Everything it needs was compiled from <see cref="KindCatalog"/> once.
/// </summary>
internal sealed class RecordNormalizer
{
    private static readonly byte[] NullLiteral = "<null>"u8.ToArray();
    private readonly RecordParser _parser;
    private readonly FieldPlan _plan;
    private readonly (RecordKind Kind, Func<RecordParser, bool> Test)[] _recognizers;
    private readonly ColumnPlan?[][] _columns; // [kind][column]
    private byte[] _scratch = new byte[1024];

    private sealed record ColumnPlan(int[] Terminals, int[][] Lineages, ValueTransform Transform, byte[]? Constant);

    public RecordNormalizer(RecordParser parser, IReadOnlyList<KindSpec> kinds)
    {
        _parser = parser;
        _plan = parser.Plan;
        _recognizers = kinds.Select(k => (k.Kind, Compile(k.Recognize))).ToArray();
        _columns = new ColumnPlan?[RecordKinds.Count][];
        for (int k = 0; k < RecordKinds.Count; k++) _columns[k] = new ColumnPlan?[Columns.Count];
        foreach (var kind in kinds)
        {
            foreach (var (col, src) in kind.Columns)
            {
                var terminals = _plan.ColumnPaths[(int)kind.Kind][(int)col];
                _columns[(int)kind.Kind][(int)col] = new ColumnPlan(
                    terminals, terminals.Select(_plan.Lineage).ToArray(), src.Transform,
                    src.Constant is null ? null : Encoding.UTF8.GetBytes(src.Constant));
            }
        }
    }

    /// <summary>When set, the US portal timestamp forms are accepted (CSV files only, spec §2).</summary>
    public bool UsPortalTimestamps { get; set; }

    public RecordKind Classify()
    {
        foreach (var (kind, test) in _recognizers)
            if (test(_parser)) return kind;
        return RecordKind.Unknown;
    }

    /// <summary>Appends the row of the record the parser holds (its kind already known) to <paramref name="batch"/>.</summary>
    public void AppendRow(NormalizedBatch batch, RecordKind kind, long offset, int rawStart, int rawLength)
    {
        batch.BeginRow(kind, offset, rawStart, rawLength);
        var plans = _columns[(int)kind];
        for (int c = 0; c < Columns.Count; c++)
        {
            var col = (Column)c;
            var plan = plans[c];
            JsonTokenType type = JsonTokenType.None;
            ReadOnlySpan<byte> value = default;
            bool found = plan is not null && TryValue(plan, out type, out value);
            if (!found && plan?.Constant is { } constant && plan.Transform != ValueTransform.CefVendor)
            {
                type = JsonTokenType.String;
                value = constant;
                found = true;
            }
            Append(batch, col, plan?.Transform ?? ValueTransform.Text, found, type, value);
        }
    }

    private void Append(NormalizedBatch batch, Column col, ValueTransform transform, bool found, JsonTokenType type, ReadOnlySpan<byte> value)
    {
        switch (transform)
        {
            case ValueTransform.Timestamp:
                batch.EventTime.Append(found && Timestamps.TryParse(value, UsPortalTimestamps, out long ms) ? ms : null);
                return;
            case ValueTransform.Int64:
                batch.SentBytes.Append(found && ValueTransforms.Int64(type, value, out long n) ? n : null);
                return;
        }
        if (col == Column.EventTime) { batch.EventTime.Append(null); return; }
        if (col == Column.SentBytes) { batch.SentBytes.Append(null); return; }
        var column = batch.Strings(col);
        if (transform == ValueTransform.CefVendor)
        {
            // "CEF " followed by the vendor, or "CEF" alone when there is none.
            EnsureScratch(value.Length + 4);
            "CEF"u8.CopyTo(_scratch);
            if (!found) { column.Append(_scratch.AsSpan(0, 3)); return; }
            _scratch[3] = (byte)' ';
            value.CopyTo(_scratch.AsSpan(4));
            column.Append(_scratch.AsSpan(0, value.Length + 4));
            return;
        }
        if (!found) { column.AppendNull(); return; }
        switch (transform)
        {
            case ValueTransform.UalUserType:
                column.Append(ValueTransforms.UalUserType(type, value));
                break;
            case ValueTransform.UpperFirst:
                EnsureScratch(value.Length + 4);
                column.Append(ValueTransforms.UpperFirst(type, value, _scratch));
                break;
            case ValueTransform.RemoteHost:
                EnsureScratch(value.Length);
                if (ValueTransforms.RemoteHost(value, _scratch, out var host)) column.Append(host);
                else column.AppendNull();
                break;
            default:
                column.Append(value);
                break;
        }
    }

    /// <summary>The first path that gives a value: missing, JSON null and the string <c>&lt;null&gt;</c> fall through.</summary>
    private bool TryValue(ColumnPlan plan, out JsonTokenType type, out ReadOnlySpan<byte> value)
    {
        for (int i = 0; i < plan.Terminals.Length; i++)
        {
            if (!_parser.TryResolve(plan.Terminals[i], plan.Lineages[i], out var cap)) continue;
            if (cap.Type == JsonTokenType.Null) continue;
            var bytes = _parser.Bytes(cap);
            if (cap.Type == JsonTokenType.String && bytes.SequenceEqual(NullLiteral)) continue;
            type = cap.Type;
            value = bytes;
            return true;
        }
        type = JsonTokenType.None;
        value = default;
        return false;
    }

    private void EnsureScratch(int n)
    {
        if (_scratch.Length < n) _scratch = new byte[Math.Max(n, _scratch.Length * 2)];
    }

    private Func<RecordParser, bool> Compile(Recognizer r)
    {
        switch (r)
        {
            case Has h:
            {
                int node = _plan.TopLevel(h.Property);
                return p => p[node].Present;
            }
            case HasObject o:
            {
                int node = _plan.TopLevel(o.Property);
                return p => p[node].Type == JsonTokenType.StartObject;
            }
            case StringIn s:
            {
                int node = _plan.TopLevel(s.Property);
                var values = s.Values.Select(v => Encoding.UTF8.GetBytes(v)).ToArray();
                return p =>
                {
                    ref readonly var c = ref p[node];
                    if (c.Type != JsonTokenType.String) return false;
                    var bytes = p.Bytes(c);
                    foreach (var v in values) if (bytes.SequenceEqual(v)) return true;
                    return false;
                };
            }
            case AllOf a:
            {
                var parts = a.Parts.Select(Compile).ToArray();
                return p => { foreach (var t in parts) if (!t(p)) return false; return true; };
            }
            case AnyOf a:
            {
                var parts = a.Parts.Select(Compile).ToArray();
                return p => { foreach (var t in parts) if (t(p)) return true; return false; };
            }
            default:
                throw new InvalidOperationException($"unknown recognizer {r}");
        }
    }
}
