using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace HuntEngine.Parsing;

/// <summary>A value the parser kept for a plan node: where its bytes are and what JSON token it was.</summary>
internal struct Capture
{
    public JsonTokenType Type;
    /// <summary>0 = the record's bytes; 1 = the parser's arena (unescaped strings, JSON text found inside strings).</summary>
    public byte Buffer;
    /// <summary>Set once a string holding JSON text has been parsed into this node's subtree.</summary>
    public bool Expanded;
    public int Start;
    public int Length;

    public readonly bool Present => Type != JsonTokenType.None;
}

/// <summary>Why a record was rejected by the parser.</summary>
internal enum ParseOutcome : byte
{
    Ok,
    InvalidUtf8,
    InvalidJson,
    NotAnObject,
}

/// <summary>
/// Reads one record with <see cref="Utf8JsonReader"/> straight over its UTF-8 bytes, in one pass,
/// keeping only the values on the plan's paths (everything else is skipped) as spans. Duplicate
/// keys: a later occurrence clears what the earlier one captured below it, so the last one wins.
/// A string met where the plan goes deeper is parsed as JSON text only when a column asks for
/// something under it (Log Analytics and CSV exports write nested values that way).
/// One instance per worker; nothing is allocated per record once the arena has grown.
/// </summary>
internal sealed class RecordParser
{
    private readonly FieldPlan _plan;
    private readonly PlanNode[] _nodes;
    private readonly Capture[] _caps;
    private readonly JsonReaderOptions _options;
    private ReadOnlyMemory<byte> _block; // the block the records are parsed from (UseBlock): a pooled array, or a mapped file's range
    private int _recordStart;
    private int _recordLength;
    private byte[] _arena = new byte[4096];
    private int _arenaUsed;
    private byte[] _nameScratch = new byte[256];
    // Where the bytes under the reader live while parsing (record, or arena for JSON found in a string).
    private byte _curBuffer;
    private int _curBase;

    public RecordParser(FieldPlan plan, int maxDepth)
    {
        _plan = plan;
        _nodes = plan.Nodes;
        _caps = new Capture[plan.Nodes.Length];
        _options = new JsonReaderOptions { MaxDepth = maxDepth, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false };
    }

    public FieldPlan Plan => _plan;

    /// <summary>The reader's message for the last <see cref="ParseOutcome.InvalidJson"/> (allocated only for bad records).</summary>
    public string? LastError { get; private set; }

    public ref readonly Capture this[int node] => ref _caps[node];

    public ReadOnlySpan<byte> Bytes(Capture c) =>
        c.Buffer == 0 ? Block.Slice(_recordStart + c.Start, c.Length) : _arena.AsSpan(c.Start, c.Length);

    private ReadOnlySpan<byte> Block => _block.Span;

    /// <summary>The block the next records are parsed from (<see cref="Parse(int, int)"/>); it must stay valid until the next call.</summary>
    public void UseBlock(ReadOnlyMemory<byte> block) => _block = block;

    /// <summary>Parses the record at [<paramref name="start"/>, +<paramref name="length"/>) of <paramref name="buffer"/> (a block of one record, for probes and benchmarks).</summary>
    public ParseOutcome Parse(ReadOnlyMemory<byte> buffer, int start, int length)
    {
        UseBlock(buffer);
        return Parse(start, length);
    }

    /// <summary>Parses the record at [<paramref name="start"/>, +<paramref name="length"/>) of the block given to <see cref="UseBlock"/>.</summary>
    public ParseOutcome Parse(int start, int length)
    {
        _recordStart = start;
        _recordLength = length;
        _arenaUsed = 0;
        LastError = null;
        Array.Clear(_caps);
        var bytes = Block.Slice(start, length);
        // Utf8JsonReader does not check UTF-8 inside strings it is not asked to decode; the spec makes
        // invalid UTF-8 a malformed record, so check the whole record (vectorized).
        if (!Utf8.IsValid(bytes)) return ParseOutcome.InvalidUtf8;
        _curBuffer = 0;
        _curBase = 0;
        try
        {
            var reader = new Utf8JsonReader(bytes, _options);
            if (!reader.Read()) return Invalid("empty record");
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                // Tell "valid JSON, not an object" from "not JSON at all" ('[1,' is the latter).
                reader.Skip();
                return reader.Read() ? Invalid("content after the first value") : ParseOutcome.NotAnObject;
            }
            ParseObject(ref reader, 0);
            if (reader.Read()) return Invalid("content after the record's closing brace");
            return ParseOutcome.Ok;
        }
        catch (JsonException e)
        {
            return Invalid(Describe(e));
        }
        catch (InvalidOperationException e)
        {
            // The reader refusing a value it was asked for (lone surrogates no longer get here: JsonStringText).
            return Invalid(e.Message);
        }
    }

    private ParseOutcome Invalid(string message)
    {
        LastError = message;
        return ParseOutcome.InvalidJson;
    }

    private static string Describe(JsonException e)
    {
        string msg = e.Message;
        int cut = msg.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) msg = msg[..cut];
        return $"{msg} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})";
    }

    private void ParseObject(ref Utf8JsonReader reader, int node)
    {
        var props = _nodes[node].Properties;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject) return;
            int child = props.Count == 0 ? -1 : props.Find(PropertyName(ref reader));
            reader.Read();
            if (child < 0)
            {
                reader.Skip();
                continue;
            }
            CaptureValue(ref reader, child);
        }
    }

    private ReadOnlySpan<byte> PropertyName(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped) return reader.ValueSpan;
        if (_nameScratch.Length < reader.ValueSpan.Length) _nameScratch = new byte[reader.ValueSpan.Length * 2];
        int n = JsonStringText.Copy(ref reader, _nameScratch);
        return _nameScratch.AsSpan(0, n);
    }

    private void CaptureValue(ref Utf8JsonReader reader, int node)
    {
        ClearSubtree(node);
        var n = _nodes[node];
        ref var cap = ref _caps[node];
        int start = (int)reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                if (n.Properties.Count > 0) ParseObject(ref reader, node);
                else reader.Skip();
                Set(ref _caps[node], JsonTokenType.StartObject, _curBuffer, _curBase + start, (int)reader.BytesConsumed - start);
                break;
            case JsonTokenType.StartArray:
                if (n.FirstElementChild >= 0 || n.WhereChild >= 0) ParseArray(ref reader, n);
                else reader.Skip();
                Set(ref _caps[node], JsonTokenType.StartArray, _curBuffer, _curBase + start, (int)reader.BytesConsumed - start);
                break;
            case JsonTokenType.String:
                if (reader.ValueIsEscaped)
                {
                    int at = ArenaReserve(reader.ValueSpan.Length);
                    int len = JsonStringText.Copy(ref reader, _arena.AsSpan(at));
                    _arenaUsed = at + len;
                    Set(ref cap, JsonTokenType.String, 1, at, len);
                }
                else
                {
                    Set(ref cap, JsonTokenType.String, _curBuffer, _curBase + start + 1, reader.ValueSpan.Length);
                }
                break;
            default: // number, true, false, null: ValueSpan is the literal's text
                Set(ref cap, reader.TokenType, _curBuffer, _curBase + start, reader.ValueSpan.Length);
                break;
        }
    }

    private static void Set(ref Capture c, JsonTokenType type, byte buffer, int start, int length)
    {
        c.Type = type;
        c.Buffer = buffer;
        c.Start = start;
        c.Length = length;
        c.Expanded = false;
    }

    private void ParseArray(ref Utf8JsonReader reader, PlanNode n)
    {
        bool found = false;
        int index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (index == 0 && n.FirstElementChild >= 0)
            {
                CaptureValue(ref reader, n.FirstElementChild);
            }
            else if (n.WhereChild >= 0 && !found)
            {
                CaptureValue(ref reader, n.WhereChild);
                if (WhereHolds(n.WhereChild)) found = true;
                else ClearSubtree(n.WhereChild);
            }
            else
            {
                reader.Skip();
            }
            index++;
        }
    }

    private bool WhereHolds(int whereNode)
    {
        var w = _nodes[whereNode];
        // An element that is a string holding JSON text is a step the path passes through (spec §2):
        // parsed, repeatedly for doubly encoded text, as TryResolve does for a path's other steps.
        for (int guard = 0; guard < 8 && _caps[whereNode] is { Type: JsonTokenType.String, Expanded: false }; guard++)
            ExpandJsonText(whereNode);
        if (_caps[whereNode].Type is not (JsonTokenType.StartObject or JsonTokenType.String)) return false;
        ref readonly var test = ref _caps[w.WhereTestNode];
        if (test.Type != JsonTokenType.Number) return false;
        return double.TryParse(Bytes(test), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v == w.WhereValue;
    }

    private void ClearSubtree(int node)
    {
        int end = _nodes[node].SubtreeEnd;
        _caps.AsSpan(node, end - node).Clear();
    }

    private int ArenaReserve(int length)
    {
        if (_arena.Length - _arenaUsed < length)
        {
            var bigger = new byte[Math.Max(_arena.Length * 2, _arenaUsed + length)];
            _arena.AsSpan(0, _arenaUsed).CopyTo(bigger);
            _arena = bigger; // captures index the arena by offset, so they stay valid
        }
        return _arenaUsed;
    }

    /// <summary>
    /// The capture at <paramref name="terminal"/>, parsing JSON text held in a string on the way when
    /// that is what stands between the record and the node (spec §2: "a path may pass through a
    /// string that holds JSON text"). Returns false when the path is missing.
    /// </summary>
    public bool TryResolve(int terminal, ReadOnlySpan<int> lineage, out Capture capture)
    {
        for (int guard = 0; guard < 8; guard++)
        {
            capture = _caps[terminal];
            if (capture.Present) return true;
            int deepest = -1;
            for (int i = lineage.Length - 2; i >= 0; i--)
            {
                if (_caps[lineage[i]].Present) { deepest = lineage[i]; break; }
            }
            if (deepest < 0) return false;
            ref var holder = ref _caps[deepest];
            if (holder.Type != JsonTokenType.String || holder.Expanded) return false;
            ExpandJsonText(deepest);
        }
        capture = default;
        return false;
    }

    private void ExpandJsonText(int node)
    {
        _caps[node].Expanded = true;
        var holder = _caps[node];
        // Copy the text to the arena so spans of what it holds index one buffer.
        int at = ArenaReserve(holder.Length);
        Bytes(holder).CopyTo(_arena.AsSpan(at));
        _arenaUsed = at + holder.Length;
        var text = _arena.AsSpan(at, holder.Length);
        byte savedBuffer = _curBuffer;
        int savedBase = _curBase;
        _curBuffer = 1;
        _curBase = at;
        var n = _nodes[node];
        try
        {
            var reader = new Utf8JsonReader(text, _options);
            if (!reader.Read()) return;
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject when n.Properties.Count > 0:
                    ParseObject(ref reader, node);
                    break;
                case JsonTokenType.StartArray when n.FirstElementChild >= 0 || n.WhereChild >= 0:
                    ParseArray(ref reader, n);
                    break;
                case JsonTokenType.String:
                    // Doubly encoded: keep the inner string as this node's value for another round.
                    CaptureValue(ref reader, node);
                    break;
                default:
                    reader.Skip();
                    break;
            }
            if (reader.Read()) ClearChildren(node); // not one JSON value: no path goes through it
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            ClearChildren(node);
        }
        finally
        {
            _curBuffer = savedBuffer;
            _curBase = savedBase;
        }
    }

    private void ClearChildren(int node)
    {
        int end = _nodes[node].SubtreeEnd;
        if (end > node + 1) _caps.AsSpan(node + 1, end - node - 1).Clear();
        if (_caps[node].Type == JsonTokenType.String) _caps[node].Expanded = true;
    }
}
