using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HuntEngine.Framing;

/// <summary>
/// One cell of a CSV row, by absolute stream offsets. A quoted cell's text is its quoted part with
/// <c>""</c> read as <c>"</c>, then any bytes between the closing quote and the separator, kept as
/// they are (lenient, like most readers).
/// </summary>
internal struct CsvCell
{
    /// <summary>The cell's first byte: its opening quote when <see cref="Quoted"/>.</summary>
    public long Start;
    /// <summary>The closing quote of a quoted cell; -1 for an unquoted one.</summary>
    public long Close;
    /// <summary>The separator or row end after the cell (a final <c>\r</c> before <c>\n</c> excluded).</summary>
    public long End;
    /// <summary>The quoted part holds <c>""</c> pairs to be read as one quote each.</summary>
    public bool Escaped;

    public readonly bool Quoted => Close >= 0;
}

internal enum CsvScanStatus : byte
{
    /// <summary>The bytes ran out inside the row: refill and call again.</summary>
    NeedMore,
    /// <summary>The row ended at a <c>\n</c> outside quotes or at the end of the stream.</summary>
    RowEnd,
    /// <summary>The stream ended inside a quoted cell.</summary>
    Unterminated,
}

/// <summary>
/// Finds the end of one RFC 4180 row and its cells, resumably across buffer refills. A quote opens
/// a quoted cell only as the cell's first byte (elsewhere it is text), and inside one <c>""</c> is a
/// quote and any other quote closes it; <c>,</c> and <c>\n</c> end cells and rows only outside
/// quotes. Each state searches with the vectorized <c>IndexOf</c>/<c>IndexOfAny</c> for the one or
/// two bytes that can change it, so long cells cost a memory scan, not a byte loop. A quoted cell
/// is read 64 bytes at a time: an AuditData cell doubles the quotes of every JSON key and value,
/// and one search per quote cost more than the quotes' bit mask does.
/// </summary>
internal sealed class CsvRowScanner(bool byteAtATime = false)
{
    private enum State : byte { CellStart, Quoted, Unquoted }

    private readonly bool _byteAtATime = byteAtATime; // tests: the searches alone, to compare the 64-byte reads with

    private CsvCell[] _cells = new CsvCell[16];
    private int _count;
    private State _state;
    private long _cellStart;
    private long _close;
    private bool _escaped;
    private bool _recording;

    /// <summary>The cells of the row scanned last (valid until the next <see cref="Begin"/>).</summary>
    public Span<CsvCell> Cells => _cells.AsSpan(0, _count);

    /// <summary>Starts a row. Cells are recorded unless the row is being skipped.</summary>
    public void Begin()
    {
        _count = 0;
        _state = State.CellStart;
        _recording = true;
    }

    /// <summary>Keeps scanning for the row's end but records no more cells (an oversized row whose bytes are being dropped).</summary>
    public void StopRecording()
    {
        _recording = false;
        _count = 0;
    }

    /// <summary>
    /// Scans <paramref name="buffer"/> (whose first byte is at stream offset <paramref name="bufferBase"/>)
    /// from <paramref name="pos"/>. On <see cref="CsvScanStatus.RowEnd"/>, <paramref name="rowEnd"/> is the
    /// offset of the row's <c>\n</c> (or of the stream's end) and <paramref name="pos"/> is after it; on
    /// <see cref="CsvScanStatus.NeedMore"/>, <paramref name="pos"/> is where to resume (bytes from there on
    /// must be kept).
    /// </summary>
    public CsvScanStatus Advance(ReadOnlySpan<byte> buffer, long bufferBase, ref long pos, bool eof, out long rowEnd)
    {
        int i = (int)(pos - bufferBase);
        int len = buffer.Length;
        rowEnd = 0;
        while (true)
        {
            switch (_state)
            {
                case State.CellStart:
                    if (i == len && !eof)
                    {
                        pos = bufferBase + i;
                        return CsvScanStatus.NeedMore;
                    }
                    // (At the end of the stream right after a separator, the row's last cell is empty.)
                    _cellStart = bufferBase + i;
                    _close = -1;
                    _escaped = false;
                    if (i < len && buffer[i] == (byte)'"')
                    {
                        _state = State.Quoted;
                        i++;
                    }
                    else
                    {
                        _state = State.Unquoted;
                    }
                    break;

                case State.Quoted:
                {
                    if (!_byteAtATime && QuotedBlocks(buffer, bufferBase, ref i)) break; // closed
                    int k = buffer[i..].IndexOf((byte)'"');
                    if (k < 0)
                    {
                        pos = bufferBase + len;
                        return eof ? CsvScanStatus.Unterminated : CsvScanStatus.NeedMore;
                    }
                    int q = i + k;
                    if (q + 1 == len && !eof)
                    {
                        pos = bufferBase + q; // a quote at the buffer's end: the next byte says "" or closing
                        return CsvScanStatus.NeedMore;
                    }
                    if (q + 1 < len && buffer[q + 1] == (byte)'"')
                    {
                        _escaped = true;
                        i = q + 2;
                        break;
                    }
                    _close = bufferBase + q;
                    _state = State.Unquoted;
                    i = q + 1;
                    break;
                }

                case State.Unquoted:
                {
                    int k = i < len ? buffer[i..].IndexOfAny((byte)',', (byte)'\n') : -1;
                    if (k < 0)
                    {
                        if (!eof)
                        {
                            pos = bufferBase + len;
                            return CsvScanStatus.NeedMore;
                        }
                        // The stream ends the row (a final row without a newline).
                        EndCell(buffer, bufferBase, bufferBase + len, lastInRow: true);
                        rowEnd = pos = bufferBase + len;
                        _state = State.CellStart;
                        return CsvScanStatus.RowEnd;
                    }
                    int d = i + k;
                    if (buffer[d] == (byte)',')
                    {
                        EndCell(buffer, bufferBase, bufferBase + d, lastInRow: false);
                        _state = State.CellStart;
                        i = d + 1;
                        break;
                    }
                    EndCell(buffer, bufferBase, bufferBase + d, lastInRow: true);
                    rowEnd = bufferBase + d;
                    pos = rowEnd + 1;
                    _state = State.CellStart;
                    return CsvScanStatus.RowEnd;
                }
            }
        }
    }

    /// <summary>
    /// Inside a quoted cell, 64 bytes at a time while the byte after each of them is in the buffer:
    /// a quote followed by a quote is one quote of text, any other ends the quoted part. True (and
    /// the state Unquoted, <paramref name="i"/> after the closing quote) when the quoted part ended.
    /// </summary>
    private bool QuotedBlocks(ReadOnlySpan<byte> buffer, long bufferBase, ref int i)
    {
        while (i + 65 <= buffer.Length)
        {
            ulong quotes = ByteMask64.Of(ref Unsafe.Add(ref MemoryMarshal.GetReference(buffer), i), (byte)'"', ByteTest.Equal);
            int next = i + 64;
            while (quotes != 0)
            {
                int j = BitOperations.TrailingZeroCount(quotes);
                int q = i + j;
                if (buffer[q + 1] == (byte)'"')
                {
                    _escaped = true;
                    quotes &= ~(3UL << j); // this quote and the next (the next may lie past the 64)
                    next = Math.Max(next, q + 2);
                    continue;
                }
                _close = bufferBase + q;
                _state = State.Unquoted;
                i = q + 1;
                return true;
            }
            i = next;
        }
        return false;
    }

    private void EndCell(ReadOnlySpan<byte> buffer, long bufferBase, long end, bool lastInRow)
    {
        if (!_recording) return;
        if (lastInRow)
        {
            // CRLF rows: the '\r' before the '\n' ends the row, unless it is inside the quoted part.
            long literalStart = _close >= 0 ? _close + 1 : _cellStart;
            if (end > literalStart && buffer[(int)(end - 1 - bufferBase)] == (byte)'\r') end--;
        }
        if (_count == _cells.Length) Array.Resize(ref _cells, _cells.Length * 2);
        _cells[_count++] = new CsvCell { Start = _cellStart, Close = _close, End = end, Escaped = _escaped };
    }
}
