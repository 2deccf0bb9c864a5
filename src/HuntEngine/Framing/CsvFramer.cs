using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace HuntEngine.Framing;

/// <summary>How a CSV file's rows become records (spec §1, §2); chosen from its header, never its name.</summary>
internal enum CsvLayout : byte
{
    /// <summary>A table export (Sentinel / Log Analytics): each row becomes a JSON object of its cells named by the header.</summary>
    Rows,
    /// <summary>A Unified Audit Log export: the header has an <c>AuditData</c> column; each row's record is that cell's JSON text.</summary>
    UalAuditData,
}

/// <summary>
/// Cuts a decompressed RFC 4180 CSV stream into records and hands them out in blocks, like
/// <see cref="JsonStreamFramer"/>: a pooled read buffer with absolute stream offsets, a row longer
/// than the record limit skipped by streaming, a damaged stream's last partial row left to the
/// stream error. The first non-blank row is the header; every later non-blank row is one frame
/// whose offset is the row's first byte. Unlike JSON, a record's bytes are not the file's bytes: a
/// UAL row's record is its <c>AuditData</c> cell with the quotes un-doubled, another row's is a
/// JSON object written from its cells, so records are written into separate output blocks
/// (<see cref="CsvBlockWriter"/>) and the read buffer never leaves the framer.
/// <para>
/// Why not Sep (nietras/Sep, the fastest .NET CSV reader): it reads UTF-16 chars from a
/// <see cref="TextReader"/> over buffers it owns and reports rows by index and line number, not by
/// byte offset, so it could give neither <c>source_offset</c> nor UTF-8 cell bytes without decoding
/// and re-encoding every cell. A row boundary only needs the bytes <c>" , \n</c> (ASCII, so exact in
/// UTF-8), which <see cref="CsvRowScanner"/> finds with the vectorized <c>IndexOf</c>/<c>IndexOfAny</c>.
/// </para>
/// </summary>
internal sealed class CsvFramer
{
    // Utf8JsonWriter refuses longer string values (its MaxUnescapedTokenSize); such a row is reported as oversized.
    private const int MaxJsonCellBytes = 1_000_000_000 / 6;

    // The escaping the reference and the tests use too: quotes, backslashes and control characters
    // escaped, other text kept (the record is evidence; it is not embedded in HTML).
    private static readonly JavaScriptEncoder CellEncoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private readonly Stream _stream;
    private readonly FramingLimits _limits;
    private readonly CancellationToken _cancel;
    private readonly int _readSize;
    private readonly CsvRowScanner _scanner = new();
    private readonly CsvBlockWriter _out;

    private byte[] _buf;
    private int _len;
    private long _base;
    private bool _eof;

    private int _auditColumn = -1;
    private Column[] _columns = [];
    private Utf8JsonWriter? _json;

    private readonly record struct Column(int Index, JsonEncodedText Name);

    private enum RowStatus : byte { Complete, Oversized, Unterminated, Dropped }

    public CsvFramer(Stream stream, int fileIndex, FramingLimits limits, Action<RecordBlock> emit, CancellationToken cancel, int readSize = 1 << 20)
    {
        _stream = stream;
        _limits = limits;
        _cancel = cancel;
        _readSize = readSize;
        _buf = ArrayPool<byte>.Shared.Rent(limits.BlockBytes);
        _out = new CsvBlockWriter(fileIndex, limits.BlockBytes, emit);
    }

    /// <summary>The exception the stream threw (a damaged compressed stream), if any.</summary>
    public Exception? StreamError { get; private set; }

    /// <summary>Called when the stream's end is only known to be damaged after it was read (see <see cref="Sources.GzipEndCheck"/>).</summary>
    public Func<string?>? CheckEnd { get; init; }

    /// <summary>Decompressed bytes read from the stream.</summary>
    public long BytesRead => _base + _len;

    /// <summary>Where the header row that could not be read starts, when framing stopped there (nothing after it is framed).</summary>
    public long? StoppedAtHeader { get; private set; }

    /// <summary>Known once the header row has been read.</summary>
    public CsvLayout Layout { get; private set; }

    private long End => _base + _len;

    private ReadOnlySpan<byte> Window => _buf.AsSpan(0, _len);

    private Span<byte> Slice(long start, long end) => _buf.AsSpan((int)(start - _base), (int)(end - start));

    /// <summary>Reads the first bytes of the stream into the buffer so the caller can sniff them; returns what is there.</summary>
    public ReadOnlySpan<byte> Prefetch(int atLeast)
    {
        while (_len < atLeast && !_eof) Fill(0);
        return Window;
    }

    /// <summary>
    /// Takes over the stream's first bytes, already read by another framer's <c>Prefetch</c> to sniff
    /// the container, and its stream error if reading them failed. Call before <see cref="Run"/>.
    /// </summary>
    public void AdoptPrefix(ReadOnlySpan<byte> alreadyRead, Exception? streamError)
    {
        if (alreadyRead.Length > _buf.Length)
        {
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = ArrayPool<byte>.Shared.Rent(alreadyRead.Length);
        }
        alreadyRead.CopyTo(_buf);
        _len = alreadyRead.Length;
        if (streamError is not null)
        {
            StreamError = streamError;
            _eof = true;
        }
    }

    /// <summary>Frames the stream from <paramref name="start"/> (after any BOM) to its end, then emits the last block.</summary>
    public void Run(long start)
    {
        try
        {
            FrameRows(start);
        }
        finally
        {
            try
            {
                _json?.Dispose();
                _out.Finish();
            }
            finally
            {
                // The last emit may throw too (the file is past the error limit, or the scan was
                // interrupted): the read buffer, which never leaves the framer, goes back all the same.
                ReturnReadBuffer();
            }
        }
    }

    /// <summary>Gives the buffers back without framing (a file the scan will not read).</summary>
    public void Abandon()
    {
        _out.Abandon();
        ReturnReadBuffer();
    }

    private void ReturnReadBuffer()
    {
        if (_buf.Length > 0) ArrayPool<byte>.Shared.Return(_buf);
        _buf = [];
    }

    // ---- rows ----

    private void FrameRows(long p)
    {
        bool header = true;
        while (true)
        {
            _cancel.ThrowIfCancellationRequested();
            if (p >= End)
            {
                if (_eof) return;
                Fill(p);
                continue;
            }
            long start = p;
            var status = ReadRow(start, out long end, out p);
            switch (status)
            {
                case RowStatus.Dropped:
                    return; // the stream broke inside this row: it is part of the stream error
                case RowStatus.Unterminated:
                    // The quote runs to the end of the stream, so this row is the rest of the file.
                    _out.AddMalformed(start, header ? FrameReason.CsvHeaderUnterminatedQuote : FrameReason.CsvUnterminatedQuote);
                    return;
            }
            if (status == RowStatus.Oversized || end - start > _limits.MaxRecordBytes)
            {
                if (header)
                {
                    _out.AddMalformed(start, FrameReason.CsvHeaderTooLarge);
                    StoppedAtHeader = start;
                    return;
                }
                _out.AddSkipped(start, end - start);
                continue;
            }
            if (IsBlank(start, end, unicode: header)) continue;
            if (header && IsPowerShellTypeLine(start, end)) continue;
            if (header)
            {
                if (!ReadHeader())
                {
                    // A carriage return inside the header's cells: the file's lines end in CR alone
                    // (classic Mac), so the "header" is the whole file. Said, not silently empty.
                    _out.AddMalformed(start, FrameReason.CsvHeaderBareCarriageReturn);
                    StoppedAtHeader = start;
                    return;
                }
                header = false;
            }
            else if (Layout == CsvLayout.UalAuditData)
            {
                AddAuditDataRecord(start);
            }
            else
            {
                AddRowRecord(start, end);
            }
        }
    }

    /// <summary>Scans the row starting at <paramref name="start"/>, refilling as needed; <paramref name="end"/> is its <c>\n</c> or the stream's end.</summary>
    private RowStatus ReadRow(long start, out long end, out long next)
    {
        _scanner.Begin();
        long pos = start;
        while (true)
        {
            var scan = _scanner.Advance(Window, _base, ref pos, _eof, out end);
            if (scan != CsvScanStatus.NeedMore) return Finished(scan, end, pos, RowStatus.Complete, out next);
            if (End - start > _limits.MaxRecordBytes) return SkipOversized(pos, out end, out next);
            Fill(start);
        }
    }

    /// <summary>Finds the end of a row over the size limit while dropping its bytes.</summary>
    private RowStatus SkipOversized(long pos, out long end, out long next)
    {
        _scanner.StopRecording();
        while (true)
        {
            Fill(pos);
            var scan = _scanner.Advance(Window, _base, ref pos, _eof, out end);
            if (scan != CsvScanStatus.NeedMore) return Finished(scan, end, pos, RowStatus.Oversized, out next);
        }
    }

    private RowStatus Finished(CsvScanStatus scan, long end, long pos, RowStatus whole, out long next)
    {
        next = pos;
        // Rows that only the stream's end closed are part of the stream error when the stream broke.
        if (StreamError is not null && (scan == CsvScanStatus.Unterminated || end == End)) return RowStatus.Dropped;
        return scan == CsvScanStatus.Unterminated ? RowStatus.Unterminated : whole;
    }

    /// <summary>A row of only spaces, tabs and <c>\r</c> is a blank line, not a record.</summary>
    /// <summary>
    /// A row of one unquoted cell of blanks. Before the header (<paramref name="unicode"/>) blank in
    /// Unicode's sense, as the container sniff skipped it: a line of no-break spaces must not become
    /// the header.
    /// </summary>
    private bool IsBlank(long start, long end, bool unicode)
    {
        var cells = _scanner.Cells;
        if (cells.Length != 1 || cells[0].Quoted) return false;
        var row = Slice(start, end);
        return row.IndexOfAnyExcept(" \t\r"u8) < 0 || unicode && NdjsonLines.IsBlank(row);
    }

    /// <summary>
    /// Windows PowerShell's <c>Export-Csv</c> (5.1, the shell the Exchange Online module most often
    /// runs in) writes <c>#TYPE</c> and the objects' type name before the header unless given
    /// <c>-NoTypeInformation</c>; <c>Import-Csv</c> skips that line, and so does hunt. Taken as the
    /// header, it would make every row of a UAL export a record of kind unknown, without a word.
    /// </summary>
    private bool IsPowerShellTypeLine(long start, long end)
    {
        var line = Slice(start, end);
        if (line.EndsWith("\r"u8)) line = line[..^1];
        // Import-Csv takes a first line starting with "#Type", in any case, as the type line (what
        // follows is the type name, if any). A carriage return inside means the file's lines end in
        // CR alone: the "line" is then the whole file, which the header check reports.
        return line.Length >= 5 && System.Text.Ascii.EqualsIgnoreCase(line[..5], "#TYPE"u8) && line.IndexOf((byte)'\r') < 0;
    }

    /// <summary>Reads the header's column names; false when one holds a carriage return (CR-only line ends).</summary>
    private bool ReadHeader()
    {
        var cells = _scanner.Cells;
        var names = new string[cells.Length];
        for (int i = 0; i < cells.Length; i++) names[i] = Encoding.UTF8.GetString(CellText(ref cells[i]));
        if (names.Any(n => n.Contains('\r', StringComparison.Ordinal))) return false;

        _auditColumn = Array.LastIndexOf(names, "AuditData");
        if (_auditColumn >= 0)
        {
            Layout = CsvLayout.UalAuditData;
            return true;
        }

        Layout = CsvLayout.Rows;
        var columns = new List<Column>(names.Length);
        for (int i = 0; i < names.Length; i++)
        {
            string name = names[i];
            if (name.EndsWith(" [Local Time]", StringComparison.Ordinal)) continue;
            if (name.EndsWith(" [UTC]", StringComparison.Ordinal)) name = name[..^" [UTC]".Length];
            columns.Add(new Column(i, JsonEncodedText.Encode(name, CellEncoder)));
        }
        _columns = columns.ToArray();
        _json = new Utf8JsonWriter(_out, new JsonWriterOptions { Encoder = CellEncoder, SkipValidation = true });
        return true;
    }

    /// <summary>A UAL export row: the record is the <c>AuditData</c> cell's text, copied with its quotes un-doubled.</summary>
    private void AddAuditDataRecord(long rowStart)
    {
        var cells = _scanner.Cells;
        if (_auditColumn >= cells.Length)
        {
            _out.AddMalformed(rowStart, FrameReason.CsvMissingAuditData);
            return;
        }
        var cell = cells[_auditColumn];
        _out.BeginRecord();
        int n = CopyText(cell, _out.GetSpan((int)(cell.End - cell.Start)));
        if (n == 0)
        {
            _out.AddMalformed(rowStart, FrameReason.CsvEmptyAuditData);
            return;
        }
        _out.Advance(n);
        _out.CommitRecord(rowStart);
    }

    /// <summary>
    /// A table export row: the record is <c>{"Header":"cell",...}</c> in header order, an empty or
    /// missing cell null, every other cell a JSON string (dynamic columns hold JSON text the parser
    /// may read into; spec §2). Written straight into the output block.
    /// </summary>
    private void AddRowRecord(long rowStart, long rowEnd)
    {
        var cells = _scanner.Cells;
        foreach (var column in _columns)
        {
            if (column.Index >= cells.Length) break;
            var text = CellText(ref cells[column.Index]);
            if (text.Length > MaxJsonCellBytes)
            {
                _out.AddSkipped(rowStart, rowEnd - rowStart);
                return;
            }
            if (!Utf8.IsValid(text))
            {
                _out.AddMalformed(rowStart, FrameReason.CsvInvalidUtf8);
                return;
            }
        }

        var json = _json!;
        _out.BeginRecord();
        json.Reset();
        json.WriteStartObject();
        foreach (var column in _columns)
        {
            // CellText above left every cell of a column unquoted: its text is [Start, End).
            bool present = column.Index < cells.Length && cells[column.Index].End > cells[column.Index].Start;
            if (present) json.WriteString(column.Name, Slice(cells[column.Index].Start, cells[column.Index].End));
            else json.WriteNull(column.Name);
        }
        json.WriteEndObject();
        json.Flush();
        _out.CommitRecord(rowStart);
    }

    /// <summary>
    /// A cell's text, made contiguous in place: a quoted cell's quotes are dropped and its <c>""</c>
    /// un-doubled by shifting its bytes left over its own bytes (the row is not needed as written any
    /// more). Afterwards the cell reads as unquoted, so a second call returns the same text.
    /// </summary>
    private Span<byte> CellText(ref CsvCell cell)
    {
        if (!cell.Quoted) return Slice(cell.Start, cell.End);
        if (!cell.Escaped && cell.Close + 1 == cell.End)
            cell = new CsvCell { Start = cell.Start + 1, Close = -1, End = cell.Close }; // nothing to move
        else
            cell = new CsvCell { Start = cell.Start, Close = -1, End = cell.Start + CopyText(cell, Slice(cell.Start, cell.End)) };
        return Slice(cell.Start, cell.End);
    }

    /// <summary>Writes a cell's text to <paramref name="dest"/> (which may be the cell's own bytes, shifted left); returns its length.</summary>
    private int CopyText(in CsvCell cell, Span<byte> dest)
    {
        if (!cell.Quoted)
        {
            Slice(cell.Start, cell.End).CopyTo(dest);
            return (int)(cell.End - cell.Start);
        }
        ReadOnlySpan<byte> quoted = Slice(cell.Start + 1, cell.Close);
        int n = 0, from = 0, scan = 0;
        while (cell.Escaped)
        {
            // Inside a closed quoted part every quote is the first of a "" pair (the scanner checked):
            // copy up to and with it, and go on after its pair. The next quote is found in a 64-byte
            // mask where 64 bytes remain (AuditData has one every few bytes), else by a search.
            int q;
            if (scan + 64 <= quoted.Length)
            {
                ulong quotes = ByteMask64.Of(ref Unsafe.Add(ref MemoryMarshal.GetReference(quoted), scan), (byte)'"', ByteTest.Equal);
                if (quotes == 0)
                {
                    scan += 64;
                    continue;
                }
                q = scan + BitOperations.TrailingZeroCount(quotes);
            }
            else
            {
                int k = quoted[scan..].IndexOf((byte)'"');
                if (k < 0) break;
                q = scan + k;
            }
            quoted[from..(q + 1)].CopyTo(dest[n..]);
            n += q + 1 - from;
            from = scan = q + 2;
        }
        quoted[from..].CopyTo(dest[n..]);
        n += quoted.Length - from;
        ReadOnlySpan<byte> after = Slice(cell.Close + 1, cell.End);
        after.CopyTo(dest[n..]);
        return n + after.Length;
    }

    // ---- buffers ----

    /// <summary>
    /// Reads more bytes, keeping those from <paramref name="keepFrom"/> on. When free space runs low the
    /// kept bytes move to the buffer's front, or to a larger buffer when they fill more than half of
    /// it (one row up to the record limit). Offsets are absolute, so moving invalidates none.
    /// </summary>
    private void Fill(long keepFrom)
    {
        if (_eof) return;
        if (_buf.Length - _len < Math.Min(_readSize, _buf.Length / 2))
        {
            int keepIdx = (int)(keepFrom - _base);
            int tail = _len - keepIdx;
            if (tail > _buf.Length / 2)
            {
                var next = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(_limits.BlockBytes, 2L * tail), Array.MaxLength));
                _buf.AsSpan(keepIdx, tail).CopyTo(next);
                ArrayPool<byte>.Shared.Return(_buf);
                _buf = next;
            }
            else
            {
                _buf.AsSpan(keepIdx, tail).CopyTo(_buf);
            }
            _base += keepIdx;
            _len = tail;
        }
        var error = StreamError;
        _len += StreamRead.Once(_stream, _buf, _len, Math.Min(_readSize, _buf.Length - _len), CheckEnd, ref _eof, ref error);
        StreamError = error;
    }
}
