using System.Buffers;
using System.Text.Json;

namespace HuntEngine.Framing;

/// <summary>How a JSON file is cut into records (spec §1); chosen from its first value, never its name.</summary>
internal enum JsonLayout : byte
{
    /// <summary>One record per line.</summary>
    Lines,
    /// <summary>A sequence of top-level values: arrays of records, wrapper objects (<c>value</c>/<c>records</c>), or single (possibly pretty-printed) records.</summary>
    Values,
}

/// <summary>
/// Cuts a decompressed JSON stream into record frames and hands them out in blocks over pooled
/// buffers, holding at most one record plus one block in memory. Positions are absolute stream
/// offsets so buffer compaction never invalidates them.
/// <para>
/// Layout rule: a file whose first value is an object that closes on its first line and is followed
/// by more lines is NDJSON (<see cref="JsonLayout.Lines"/>). Anything else is read as a sequence of
/// top-level values: <c>[</c> opens an array of records; <c>{</c> opens an object that is a wrapper
/// page when it has a <c>value</c> or <c>records</c> array (its elements are the records), and a
/// record otherwise. When a top-level object breaks (brackets that do not balance, a raw control
/// byte in a string, the stream ending inside it), the rest of the file from that object's start is
/// read line by line, so an NDJSON file with a damaged first line loses nothing.
/// </para>
/// </summary>
internal sealed class JsonStreamFramer
{
    private readonly Stream? _stream;
    private readonly Sources.MappedFile? _mapped; // framed in place: the window is a range of the mapping
    private int _capacity; // how far the window may grow before its frames go out as a block
    private readonly int _fileIndex;
    private readonly FramingLimits _limits;
    private readonly Action<RecordBlock> _emit;
    private readonly CancellationToken _cancel;

    private byte[] _buf;
    private int _len;
    private long _base;
    private bool _eof;
    private List<Frame> _frames = new();
    private JsonValueScanner _strict;
    private JsonValueScanner _lenient;

    private readonly int _readSize;

    /// <summary>
    /// How far past the record limit an oversized first line is read to see whether the next line
    /// opens an object: a plain file's read size, or the limit again when that is smaller (what is
    /// held stays within twice the limit).
    /// </summary>
    private long OversizedLookAhead => Math.Min(_limits.MaxRecordBytes, 1 << 20);

    /// <summary>How many blocks ahead of the framer a mapped file is prefetched.</summary>
    private const int PrefetchBlocks = 4;

    public JsonStreamFramer(Stream stream, int fileIndex, FramingLimits limits, Action<RecordBlock> emit, CancellationToken cancel, int readSize = 1 << 20)
        : this(fileIndex, limits, emit, cancel, readSize)
    {
        _stream = stream;
        _buf = ArrayPool<byte>.Shared.Rent(limits.BlockBytes);
        _capacity = _buf.Length;
    }

    /// <summary>
    /// Frames a mapped file in place: the window moves over the mapping, and blocks are ranges of
    /// it, so nothing is copied. Frames, offsets and blocks' contents are those a stream read of the
    /// same bytes gives. Takes over the caller's use of <paramref name="mapped"/>.
    /// </summary>
    public JsonStreamFramer(Sources.MappedFile mapped, int fileIndex, FramingLimits limits, Action<RecordBlock> emit, CancellationToken cancel, int readSize = 1 << 20)
        : this(fileIndex, limits, emit, cancel, readSize)
    {
        _mapped = mapped;
        _buf = [];
        _capacity = PooledSize(limits.BlockBytes);
    }

    private JsonStreamFramer(int fileIndex, FramingLimits limits, Action<RecordBlock> emit, CancellationToken cancel, int readSize)
    {
        _readSize = readSize;
        _fileIndex = fileIndex;
        _limits = limits;
        _emit = emit;
        _cancel = cancel;
        _buf = [];
        _strict = new JsonValueScanner(limits.FramingDepth, controlBreaksString: true);
        _lenient = new JsonValueScanner(limits.FramingDepth, controlBreaksString: false);
    }

    /// <summary>The exception the stream threw (a damaged compressed stream), if any.</summary>
    public Exception? StreamError { get; private set; }

    /// <summary>
    /// Called when the stream's end is only known to be damaged after it was read (see
    /// <see cref="Sources.GzipEndCheck"/>): the final unterminated line then belongs to the error.
    /// </summary>
    public Func<string?>? CheckEnd { get; init; }

    /// <summary>Decompressed bytes read from the stream.</summary>
    public long BytesRead => _base + _len;

    public JsonLayout Layout { get; private set; }

    /// <summary>True once the stream returned its end (false when framing had to stop before it).</summary>
    public bool ReachedEnd => _eof;

    /// <summary>How far framing accounted for the stream (records, bad records and whitespace).</summary>
    public long Consumed { get; private set; }

    private long End => _base + _len;

    /// <summary>The bytes held now: [<see cref="_base"/>, <see cref="End"/>).</summary>
    private ReadOnlySpan<byte> Window => _mapped is null ? _buf.AsSpan(0, _len) : _mapped.Span(_base, _len);

    private byte At(long p) => Window[(int)(p - _base)];

    /// <summary>Frames the stream from <paramref name="start"/> (after any BOM) to its end, then emits the last block.</summary>
    public void Run(long start)
    {
        try
        {
            long p = SkipWhitespace(start, start);
            if (p < End)
            {
                Layout = ChooseLayout(p);
                Consumed = Layout == JsonLayout.Lines ? FrameLines(p) : FrameValues(p);
            }
            else
            {
                Consumed = p;
            }
        }
        finally
        {
            var last = WindowBlock(ownedEnd: End);
            _mapped?.Release();
            HandOut(last);
        }
    }

    /// <summary>Gives the buffer back without framing (a file the scan will not read).</summary>
    public void Abandon()
    {
        if (_mapped is null) ArrayPool<byte>.Shared.Return(_buf);
        else _mapped.Release();
        _buf = [];
    }

    /// <summary>Reads the first bytes of a stream into the buffer so the caller can sniff them; returns what is there.</summary>
    public ReadOnlySpan<byte> Prefetch(int atLeast)
    {
        while (_len < atLeast && !_eof) Fill(0);
        return Window;
    }

    private JsonLayout ChooseLayout(long p)
    {
        if (At(p) != (byte)'{') return JsonLayout.Values;
        _strict.Reset();
        var r = Scan(ref _strict, p, p, out long end);
        // Only a first object that closes on its own line, with more lines after it, makes NDJSON.
        // Anything else (pretty-printed, a wrapper page larger than a record, cut short or broken)
        // is read as values, which falls back to lines from a broken object itself.
        if (r != ScanOutcome.Complete) return JsonLayout.Values;
        if (IndexOfNewline(p, end) >= 0) return JsonLayout.Values;
        long next = SkipWhitespace(end, p);
        return next >= End ? JsonLayout.Values : JsonLayout.Lines;
    }

    // ---- NDJSON ----

    /// <summary>
    /// NDJSON: hands out runs of whole lines (up to the last newline in the buffer) as one
    /// <see cref="FrameKind.LineChunk"/>; the workers split them into records. The framing thread so
    /// does one vectorized LastIndexOf per read, not work per record.
    /// </summary>
    private long FrameLines(long p)
    {
        while (true)
        {
            _cancel.ThrowIfCancellationRequested();
            int idx = (int)(p - _base);
            int last = Window[idx..].LastIndexOf((byte)'\n');
            if (last >= 0)
            {
                AddFrame(FrameKind.LineChunk, p, p + last + 1);
                p += last + 1;
                continue;
            }
            if (_eof)
            {
                // A final line without a newline is a record, unless the stream broke inside it.
                if (StreamError is not null) return p;
                if (End > p) AddFrame(FrameKind.LineChunk, p, End);
                return End;
            }
            if (End - p > _limits.MaxRecordBytes)
            {
                // Too long a line only by the record it holds: the worker trims a line's whitespace
                // before its limit check, so the framer must too, or where the buffer happened to
                // end would decide. Leading whitespace is let go; trailing whitespace is held up to
                // the limit again (a record padded with more than that is skipped as oversized).
                var line = Window[(int)(p - _base)..];
                int content = line.IndexOfAnyExcept(NdjsonLines.Whitespace);
                if (content < 0)
                {
                    p = End; // whitespace so far: no record yet
                }
                else
                {
                    int contentEnd = line.LastIndexOfAnyExcept(NdjsonLines.Whitespace) + 1;
                    if (contentEnd - content > _limits.MaxRecordBytes || line.Length - content > 2L * _limits.MaxRecordBytes)
                    {
                        p = SkipOversizedLine(p);
                        continue;
                    }
                    p += content;
                }
            }
            Fill(p);
        }
    }

    /// <summary>
    /// Skips a line past the record limit, dropping its bytes as it goes, and reports it as the
    /// worker reports a line that fit: the record is the line without its surrounding whitespace
    /// (a CRLF line's CR is not counted), so the size in the reason does not depend on the buffer.
    /// </summary>
    private long SkipOversizedLine(long p)
    {
        long first = -1, last = -1; // the record's first byte, and the end of its last non-whitespace byte
        long q = p;
        while (true)
        {
            int idx = (int)(q - _base);
            var rest = Window[idx..];
            int nl = rest.IndexOf((byte)'\n');
            var line = nl >= 0 ? rest[..nl] : rest;
            if (first < 0 && line.IndexOfAnyExcept(NdjsonLines.Whitespace) is >= 0 and var f) first = q + f;
            if (line.LastIndexOfAnyExcept(NdjsonLines.Whitespace) is >= 0 and var l) last = q + l + 1;
            if (nl >= 0)
            {
                if (first >= 0) AddSkipped(first, last - first);
                return q + nl + 1;
            }
            q = End;
            if (_eof)
            {
                if (StreamError is null && first >= 0) AddSkipped(first, last - first);
                return q;
            }
            Fill(q);
        }
    }

    // ---- sequence of top-level values ----

    private long FrameValues(long p)
    {
        while (true)
        {
            _cancel.ThrowIfCancellationRequested();
            p = SkipWhitespace(p, p);
            if (p >= End) return p;
            byte c = At(p);
            if (c == (byte)'[')
            {
                long next = FrameArray(p);
                if (next < 0) return StreamError is null ? _stoppedAt : p;
                p = next;
            }
            else if (c == (byte)'{')
            {
                long next = FrameTopObject(p, out bool record);
                if (next == StopFraming) return _stoppedAt;
                if (next < 0)
                {
                    // The object broke. One written over several lines (its first line is just "{", as
                    // pretty printers write) is one bad record; its lines are not records, and its
                    // nested objects, often one line each, must not become records. Any other is the
                    // first line of an NDJSON file that broke: the rest is read line by line.
                    if (!OpensItsLineAlone(p)) return FrameLines(p);
                    p = SkipBrokenPrettyObject(p, p, FrameReason.BrokenPrettyObject);
                    continue;
                }
                p = record ? EndTopRecord(p, next) : next;
            }
            else
            {
                long eol = LineEnd(p, p);
                AddFrame(FrameKind.Malformed, p, eol, FrameReason.TopLevelNotObject);
                p = eol;
            }
        }
    }

    /// <summary>
    /// A top-level record object [<paramref name="open"/>, <paramref name="end"/>) closed. It is a
    /// record unless it was pretty-printed (its first line just "{") and what follows is not another
    /// value: then a stray bracket may have closed it early, as in a real Entra sample whose
    /// "location" has one "}" too many, and the lines after it are the rest of the same object,
    /// whose nested objects (a line each) must not become records. If its text is not valid JSON,
    /// it and what follows are one bad record up to the next line that opens an object (as a
    /// broken pretty object is); if it is, it stays a record and only what follows is bad (up to
    /// that line when the object indents its members; line by line when it does not, since then
    /// nested objects and the next object both start in the first column). Returns where framing
    /// goes on.
    /// </summary>
    private long EndTopRecord(long open, long end)
    {
        // Looks past the blanks after it, holding it meanwhile, up to the record limit from its
        // start: what is found within it is found whatever the reads, and past it is not looked at.
        long limit = open + _limits.MaxRecordBytes;
        long q = SkipWhitespace(end, open, limit);
        if (q >= End || q > limit || At(q) is (byte)'{' or (byte)'[' || !OpensItsLineAlone(open))
        {
            AddFrame(FrameKind.Record, open, end);
            return end;
        }
        if (!IsJsonText(open, end)) return SkipBrokenPrettyObject(open, open, FrameReason.BrokenPrettyObject);
        AddFrame(FrameKind.Record, open, end);
        return IndentsMembers(open, end) ? SkipBrokenPrettyObject(open, q, FrameReason.TrailingContent) : end;
    }

    /// <summary>Whether the held object [open, end) starts its second line with a blank (a printer that indents).</summary>
    private bool IndentsMembers(long open, long end)
    {
        long nl = IndexOfNewline(open + 1, end);
        return nl >= 0 && nl + 1 < end && At(nl + 1) is (byte)' ' or (byte)'\t';
    }

    /// <summary>Whether the held bytes [start, end) are valid JSON (only for a record followed by stray content: rare, and it is parsed again by a worker).</summary>
    private bool IsJsonText(long start, long end)
    {
        var reader = new Utf8JsonReader(Window.Slice((int)(start - _base), (int)(end - start)), new JsonReaderOptions { MaxDepth = _limits.MaxDepth });
        try
        {
            while (reader.Read())
            {
            }
            return reader.BytesConsumed == end - start;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>True when nothing but whitespace follows the <c>{</c> at <paramref name="open"/> on its line (held in the window: the object's scan read past it).</summary>
    private bool OpensItsLineAlone(long open)
    {
        long nl = IndexOfNewline(open + 1, End);
        var line = Window.Slice((int)(open + 1 - _base), (int)((nl < 0 ? End : nl) - open - 1));
        return line.IndexOfAnyExcept((byte)' ', (byte)'\t', (byte)'\r') < 0;
    }

    /// <summary>
    /// A broken pretty-printed top-level object at <paramref name="open"/>: one malformed record,
    /// from <paramref name="from"/> (the object's start, or the stray content after it) up to the
    /// next line whose first byte opens an object (where the next top-level object of a
    /// <c>jq .</c> stream starts), or to the end. Only when the object indents its members (its
    /// second line starts with a blank): a printer that does not indent (<c>indent=0</c>) starts
    /// nested objects in the first column too, so then the rest of the file is the one bad record.
    /// Returns where framing goes on.
    /// </summary>
    private long SkipBrokenPrettyObject(long open, long from, FrameReason reason)
    {
        long keep = from;
        long p = open;
        bool lineStart = false; // p is the first byte of a line not looked at yet (it may be End until the next Fill)
        int lines = 0; // lines looked at after the object's first
        bool indented = false;
        while (true)
        {
            if (!lineStart)
            {
                int nl = Window[(int)(p - _base)..].IndexOf((byte)'\n');
                lineStart = nl >= 0;
                p = lineStart ? p + nl + 1 : End;
            }
            if (p < End)
            {
                byte first = At(p);
                if (++lines == 1) indented = first is (byte)' ' or (byte)'\t';
                else if (indented && first == (byte)'{' && p > from)
                {
                    AddFrame(FrameKind.Malformed, from, p, reason);
                    return p;
                }
                lineStart = false;
                continue;
            }
            if (_eof)
            {
                // Cut by a damaged stream, it is part of the stream's error (spec §5), not a bad record.
                if (StreamError is null) AddFrame(FrameKind.Malformed, from, End, reason);
                return End;
            }
            if (End - keep > _limits.MaxRecordBytes) keep = End; // its bytes are not kept past the record limit; it is reported at its offset
            Fill(keep);
        }
    }

    /// <summary>Frames the elements of the array opening at <paramref name="open"/>; returns the position after it, or -1 when the file can be framed no further.</summary>
    private long FrameArray(long open)
    {
        long p = open + 1;
        bool expectElement = true, empty = true;
        while (true)
        {
            _cancel.ThrowIfCancellationRequested();
            p = SkipWhitespace(p, p);
            if (p >= End)
            {
                if (StreamError is null) AddFrame(FrameKind.Malformed, p, p, FrameReason.ArrayCutShort);
                _stoppedAt = End;
                return -1;
            }
            byte c = At(p);
            if (c == (byte)']')
            {
                if (expectElement && !empty) AddFrame(FrameKind.Malformed, p, p, FrameReason.MissingArrayElement);
                return p + 1;
            }
            if (c == (byte)',')
            {
                if (expectElement) AddFrame(FrameKind.Malformed, p, p, FrameReason.MissingArrayElement);
                expectElement = true;
                p++;
                continue;
            }
            if (!expectElement)
            {
                if (c == (byte)'}')
                {
                    // One brace too many closed the element before it, which is framed (and parsed
                    // as it stands) when a comma or the array's end follows: the stray brace is one
                    // bad record, and the array goes on. Anything else after it (a "]" that is
                    // missing, say) leaves the structure unknown: scanned below, framing stops.
                    long limit = p + _limits.MaxRecordBytes;
                    long after = SkipWhitespace(p + 1, p, limit);
                    if (after < End && after <= limit && At(after) is (byte)',' or (byte)']')
                    {
                        AddFrame(FrameKind.Malformed, p, p + 1, FrameReason.StrayClosingBrace);
                        p = after;
                        continue;
                    }
                }
                else
                {
                    AddFrame(FrameKind.Malformed, p, p, FrameReason.MissingComma);
                }
            }
            long start = p;
            _lenient.Reset();
            var r = Scan(ref _lenient, start, start, out long end);
            if (r == ScanOutcome.TooLarge) r = SkipRest(ref _lenient, end, out end); // resume where the scan stopped
            switch (r)
            {
                case ScanOutcome.Complete:
                    AddFrame(FrameKind.Record, start, end);
                    break;
                case ScanOutcome.Skipped:
                    AddSkipped(start, end - start);
                    break;
                case ScanOutcome.Broken:
                    AddFrame(FrameKind.Malformed, start, Math.Min(end, End), FrameReason.BrokenStructure);
                    _stoppedAt = Math.Min(end, End);
                    Stopped = true;
                    return -1;
                default: // end of stream inside the element
                    if (StreamError is null) AddFrame(FrameKind.Malformed, start, end, FrameReason.ArrayCutShort);
                    _stoppedAt = End;
                    return -1;
            }
            p = end;
            expectElement = false;
            empty = false;
        }
    }

    /// <summary>
    /// Frames one top-level object: a wrapper page (its records array) or a single record. Returns
    /// the position after it, -1 when it broke and the caller should fall back to lines, or
    /// <see cref="StopFraming"/>.
    /// </summary>
    private long FrameTopObject(long open, out bool record)
    {
        record = false;
        long p = open + 1;
        bool wrapper = false, keyOpensRecords = false;
        while (true)
        {
            _cancel.ThrowIfCancellationRequested();
            long keep = wrapper ? p : open;
            // Blanks inside the object count against the record limit as its other bytes do.
            long limit = wrapper ? long.MaxValue : open + _limits.MaxRecordBytes;
            p = SkipWhitespace(p, keep, limit);
            // A wrapper's member is kept from its first byte: the blanks before it belong to no record
            // (kept from before them, a key the scan had to stream past the record limit was read
            // after its bytes were dropped, and the blanks themselves were held without bound).
            if (wrapper) keep = p;
            if (p >= End && (_eof || StreamError is not null)) // else it stopped at the limit, in blanks
            {
                if (StreamError is not null) return End;
                if (!wrapper) return -1;
                AddFrame(FrameKind.Malformed, p, p, FrameReason.ObjectCutShort);
                return End;
            }
            if (!wrapper && p - open > _limits.MaxRecordBytes) return OversizedTopObject(open);
            byte c = At(p);
            switch (c)
            {
                case (byte)'}':
                    p++;
                    record = !wrapper; // framed by the caller, which looks at what follows first
                    return p;
                case (byte)',':
                    keyOpensRecords = false;
                    p++;
                    continue;
                case (byte)':':
                    p++;
                    continue;
                case (byte)'[' when keyOpensRecords:
                    wrapper = true;
                    keyOpensRecords = false;
                    p = FrameArray(p);
                    if (p < 0) return StopFraming; // the array broke, or the stream ended in it
                    continue;
            }

            long start = p;
            _strict.Reset();
            var r = Scan(ref _strict, start, keep, out long end);
            if (r == ScanOutcome.TooLarge && wrapper) r = SkipRest(ref _strict, end, out end); // resume where the scan stopped
            if (r == ScanOutcome.TooLarge) return OversizedTopObject(open);
            if (r != ScanOutcome.Complete && r != ScanOutcome.Skipped)
            {
                if (StreamError is not null) return End;
                if (!wrapper) return -1;
                // A wrapper's own members broke: its records before this point are framed; what
                // follows cannot be told apart, and the bytes before are gone, so framing stops.
                AddFrame(FrameKind.Malformed, start, Math.Min(end, End), r == ScanOutcome.Broken ? FrameReason.BrokenStructure : FrameReason.ObjectCutShort);
                _stoppedAt = Math.Min(end, End);
                Stopped |= r == ScanOutcome.Broken;
                return StopFraming;
            }
            keyOpensRecords = c == (byte)'"' && IsRecordsKey(start, end) && NextIsColon(end, wrapper ? end : keep, limit);
            p = end;
        }
    }

    /// <summary>
    /// A single top-level object past the record limit (its bytes from <paramref name="open"/> are
    /// still held). When the line after its first line opens another object, this is an NDJSON file
    /// whose first line lost its closing brace: read on line by line (-1). Otherwise it is one
    /// oversized record: scanned to its end while its bytes are dropped, reported at its start.
    /// That next line is looked for in the same bytes on every read path: up to
    /// <see cref="OversizedLookAhead"/> past the record limit, read in as far as needed, so how far
    /// a read happened to go (1 MiB plain, 64 KiB of decoded bytes) does not decide how the rest of
    /// the file is framed.
    /// </summary>
    private long OversizedTopObject(long open)
    {
        long bound = open + _limits.MaxRecordBytes + OversizedLookAhead;
        long from = open; // where the newline is looked for from (what is before it holds none)
        while (true)
        {
            long held = Math.Min(End, bound);
            long nl = IndexOfNewline(from, held);
            if (nl < 0)
            {
                from = held;
            }
            else
            {
                long next = nl + 1;
                while (next < held && At(next) is (byte)'\r' or (byte)'\n') next++;
                if (next < held)
                {
                    if (At(next) == (byte)'{') return -1;
                    break;
                }
                from = nl; // the next line's first byte is not held yet
            }
            if (held >= bound || _eof) break;
            Fill(open);
        }
        _strict.Reset();
        var r = SkipRest(ref _strict, open, out long end);
        if (r == ScanOutcome.Skipped)
        {
            AddSkipped(open, end - open);
            return end;
        }
        if (StreamError is not null) return End;
        AddFrame(FrameKind.Malformed, open, open, r == ScanOutcome.Broken ? FrameReason.BrokenStructure : FrameReason.ObjectCutShort);
        _stoppedAt = Math.Min(end, End);
        Stopped |= r == ScanOutcome.Broken;
        return r == ScanOutcome.Broken ? StopFraming : End;
    }

    private bool IsRecordsKey(long start, long end)
    {
        if (end - start > 64) return false;
        var quoted = Window.Slice((int)(start - _base), (int)(end - start));
        if (quoted.IndexOf((byte)'\\') < 0)
            return quoted.SequenceEqual("\"value\""u8) || quoted.SequenceEqual("\"records\""u8);
        try
        {
            var reader = new Utf8JsonReader(quoted);
            return reader.Read() && (reader.ValueTextEquals("value"u8) || reader.ValueTextEquals("records"u8));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) // a lone surrogate escape: neither "value" nor "records"
        {
            return false;
        }
    }

    private bool NextIsColon(long p, long keep, long stopAfter)
    {
        p = SkipWhitespace(p, keep, stopAfter);
        return p < End && At(p) == (byte)':';
    }

    // ---- scanning with refills ----

    private enum ScanOutcome : byte { Complete, Broken, EndOfStream, TooLarge, Skipped }

    /// <summary>Returned by <see cref="FrameTopObject"/> when framing cannot go on at all (not even line by line).</summary>
    private const long StopFraming = -2;

    /// <summary>
    /// Where framing stopped for good: where the brackets broke (<see cref="Stopped"/>), or the
    /// stream's end (an array cut short). It depends on the bytes alone, never on how far the
    /// buffer had been filled, so the file's error offset is the same however it is read.
    /// </summary>
    private long _stoppedAt;

    /// <summary>
    /// Brackets stopped balancing, even on the stream's last byte: nothing after <see cref="Consumed"/>
    /// was framed. (Every other way framing ends is at the stream's end.)
    /// </summary>
    public bool Stopped { get; private set; }

    /// <summary>Scans a value from <paramref name="start"/>, keeping bytes from <paramref name="keepFrom"/>; stops with TooLarge when that would exceed the record limit.</summary>
    private ScanOutcome Scan(ref JsonValueScanner scanner, long start, long keepFrom, out long end)
    {
        long p = start;
        // A value cannot start with a closing bracket, a colon or a comma: brackets that do not
        // balance. (Scanning it as a bare scalar would frame nothing and never advance.)
        if (p < End && At(p) is (byte)'}' or (byte)']' or (byte)':' or (byte)',')
        {
            end = p + 1;
            return ScanOutcome.Broken;
        }
        while (true)
        {
            int pos = (int)(p - _base);
            // The scanner sees no further than one byte past the record limit: whether the value
            // ends (or breaks) within the limit or is too large must not depend on how far the
            // buffer happens to reach (a value that broke past the limit was one bad record where
            // the buffer held the break, and stopped the file's framing where it did not).
            long visibleEnd = Math.Min(End, keepFrom + _limits.MaxRecordBytes + 1);
            bool final = _eof && visibleEnd == End;
            var st = scanner.Advance(Window[..(int)(visibleEnd - _base)], ref pos, final);
            p = _base + pos;
            if (st == ScanStatus.Complete) { end = p; return ScanOutcome.Complete; }
            if (st == ScanStatus.Broken) { end = p; return ScanOutcome.Broken; }
            if (final) { end = p; return ScanOutcome.EndOfStream; }
            if (p - keepFrom > _limits.MaxRecordBytes) { end = p; return ScanOutcome.TooLarge; }
            Fill(keepFrom);
        }
    }

    /// <summary>Finishes a scan that outgrew the record limit, dropping bytes as it goes.</summary>
    private ScanOutcome SkipRest(ref JsonValueScanner scanner, long start, out long end)
    {
        long p = start;
        while (true)
        {
            int pos = (int)(Math.Max(p, _base) - _base);
            var st = scanner.Advance(Window, ref pos, _eof);
            p = _base + pos;
            if (st == ScanStatus.Complete) { end = p; return ScanOutcome.Skipped; }
            if (st == ScanStatus.Broken) { end = p; return ScanOutcome.Broken; }
            if (_eof) { end = p; return ScanOutcome.EndOfStream; }
            Fill(p);
        }
    }

    /// <summary>
    /// The first byte at or after <paramref name="p"/> that is not whitespace, keeping the bytes from
    /// <paramref name="keepFrom"/>; from <paramref name="p"/> on (the blanks it passes are let go) when
    /// <paramref name="keepFrom"/> is not before it.
    /// </summary>
    private long SkipWhitespace(long p, long keepFrom, long stopAfter = long.MaxValue)
    {
        bool follow = keepFrom >= p;
        while (true)
        {
            while (p < End && IsWhitespace(At(p))) p++;
            // Past stopAfter (a record's limit) the blanks are not held any further: the caller
            // finds the record too large and streams past the rest.
            if (p < End || _eof || p > stopAfter) return p;
            Fill(follow ? p : Math.Min(keepFrom, p));
        }
    }

    private long LineEnd(long p, long keepFrom)
    {
        while (true)
        {
            int idx = (int)(p - _base);
            int nl = Window[idx..].IndexOf((byte)'\n');
            if (nl >= 0) return p + nl;
            if (_eof) return End;
            if (End - keepFrom > _limits.MaxRecordBytes) keepFrom = End;
            p = End;
            Fill(keepFrom);
        }
    }

    private long IndexOfNewline(long from, long to)
    {
        int i = Window.Slice((int)(from - _base), (int)(to - from)).IndexOf((byte)'\n');
        return i < 0 ? -1 : from + i;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    // ---- frames and buffers ----

    private void AddFrame(FrameKind kind, long start, long end, FrameReason reason = FrameReason.None)
    {
        if (start < _base)
        {
            // The frame's first bytes were already dropped (a bad element past the record limit):
            // report it at its offset without bytes.
            _frames.Add(new Frame(kind, 0, 0, start, reason));
            return;
        }
        int s = (int)(start - _base);
        _frames.Add(new Frame(kind, s, (int)(Math.Max(end, start) - start), start, reason));
    }

    private void AddSkipped(long offset, long length) =>
        _frames.Add(new Frame(FrameKind.Oversized, 0, 0, offset, FrameReason.RecordTooLarge) { SkippedBytes = length });

    /// <summary>
    /// Reads more bytes. When the buffer is full, the bytes from <paramref name="keepFrom"/> move to a
    /// fresh buffer (grown if one record needs it) and the old buffer goes out as a block with the
    /// frames found in it.
    /// </summary>
    private void Fill(long keepFrom)
    {
        if (_eof) return;
        if (_mapped is not null)
        {
            FillMapped(keepFrom);
            return;
        }
        if (_len == _buf.Length)
        {
            int keepIdx = (int)(keepFrom - _base);
            int tail = _len - keepIdx;
            var next = ArrayPool<byte>.Shared.Rent(NextBufferSize(tail));
            _buf.AsSpan(keepIdx, tail).CopyTo(next);
            // The framer moves to the new buffer before the old one goes out: the emit may throw
            // (too many bad records, an interruption), and Run's finally then hands out the buffer
            // the framer holds, which must not be the one already given away (it would go back to
            // the pool twice, and two later files would share it).
            var full = _frames.Count > 0 ? WindowBlock(ownedEnd: keepFrom) : null;
            var old = _buf;
            _buf = next;
            _base += keepIdx;
            _len = tail;
            if (full is not null) HandOut(full);
            else ArrayPool<byte>.Shared.Return(old);
        }
        var error = StreamError;
        _len += StreamRead.Once(_stream!, _buf, _len, Math.Min(_readSize, _buf.Length - _len), CheckEnd, ref _eof, ref error);
        StreamError = error;
    }

    /// <summary>
    /// <see cref="Fill"/> over a mapping: the window grows to its capacity, then its frames go out
    /// as a block over the same bytes and the next window starts at <paramref name="keepFrom"/>.
    /// The capacity grows as the read buffer does, so a record of any allowed size fits one window.
    /// </summary>
    private void FillMapped(long keepFrom)
    {
        var mapped = _mapped!;
        if (_len >= _capacity)
        {
            int tail = (int)(End - keepFrom);
            if (_frames.Count > 0) HandOut(WindowBlock(ownedEnd: keepFrom));
            else mapped.DropPages(_base, keepFrom);
            _capacity = PooledSize(NextBufferSize(tail));
            _base = keepFrom;
            _len = tail;
        }
        int n = (int)Math.Max(0, Math.Min(mapped.LengthNow() - End, Math.Min(_readSize, _capacity - _len)));
        if (n == 0)
        {
            _eof = true;
            return;
        }
        // The kernel reads the next blocks in while this one is framed (a cold page cache): four
        // blocks ahead, an evicted 1 GiB file hunted in 0.79 s against 0.84 s for the old one
        // window ahead (medians of 7, within noise).
        mapped.Prefetch(End + n, Math.Min(PrefetchBlocks * (long)_limits.BlockBytes, mapped.Length - End - n));
        _len += n;
    }

    /// <summary>
    /// The bytes held now as a block: the read buffer (returned to the pool when the block is
    /// released), or the mapped window (whose pages up to <paramref name="ownedEnd"/> are then
    /// dropped; the bytes after it are the next window's too).
    /// </summary>
    private RecordBlock WindowBlock(long ownedEnd) => _mapped is null
        ? new RecordBlock(_fileIndex, _buf, _len, pooled: true)
        : new RecordBlock(_fileIndex, _mapped.Range(_base, _len, ownedEnd));

    /// <summary>Sends the frames found so far out with the block that holds their bytes.</summary>
    private void HandOut(RecordBlock block)
    {
        block.Frames.AddRange(_frames);
        _frames.Clear();
        _emit(block);
    }

    /// <summary>The next buffer (or window) holds a block, or twice the bytes kept, so a record of any allowed size fits.</summary>
    private int NextBufferSize(int kept) => Math.Max(_limits.BlockBytes, kept * 2 <= 0 ? kept : kept * 2);

    /// <summary>
    /// The size <see cref="ArrayPool{T}.Shared"/> rents for <paramref name="size"/> (a power of two up
    /// to 1 GiB): a mapped window takes it too, so every decision that depends on how far the window
    /// reaches is taken as it is for reads.
    /// </summary>
    private static int PooledSize(int size) => size <= 1 << 30 ? (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)size) : size;
}
