using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace HuntEngine.Sinks;

/// <summary>
/// <c>--stdout csv</c>: a header row with the detections file's column names, then one row per
/// detection, quoted as RFC 4180 says (a cell holding a comma, a double quote, CR or LF is
/// enclosed in double quotes, its quotes doubled; rows end with CRLF). Times are ISO 8601 UTC with
/// milliseconds. A null is an empty cell and an empty string is <c>""</c>, so nothing is lost.
/// <para>
/// Formula injection (CWE-1236): a text cell that begins with <c>=</c>, <c>+</c>, <c>-</c>,
/// <c>@</c>, a tab or a carriage return gets a leading <c>'</c>, as OWASP's "CSV Injection" page
/// recommends, so a spreadsheet opening the file shows attacker-controlled text (a user name, an
/// app name, a raw record) instead of evaluating it. Number and time cells are ours and never begin
/// with those characters, except a negative number, which a spreadsheet reads as a number.
/// </para>
/// </summary>
public sealed class DetectionCsvWriter : IDetectionRowWriter, IDisposable
{
    private static readonly SearchValues<char> NeedsQuotes = SearchValues.Create(",\"\r\n");
    private readonly Utf8Output _out;

    public DetectionCsvWriter(Stream stream) : this(new Utf8Output(stream)) { }

    public DetectionCsvWriter(TextWriter writer) : this(new Utf8Output(writer)) { }

    private DetectionCsvWriter(Utf8Output output)
    {
        _out = output;
        for (int c = 0; c < DetectionCells.Names.Count; c++)
        {
            if (c > 0) Byte(_out.Buffer, (byte)',');
            Text(_out.Buffer, DetectionCells.Names[c], neutralise: false);
        }
        EndRow(_out.Buffer);
    }

    /// <summary>Writes the header (already done by the constructor) and every detection, then flushes.</summary>
    public static void WriteAll(TextWriter writer, IReadOnlyList<Detection> detections, CancellationToken cancel = default)
    {
        using var w = new DetectionCsvWriter(writer);
        w.WriteAll(detections, cancel);
    }

    public void WriteAll(IReadOnlyList<Detection> detections, CancellationToken cancel = default) =>
        DetectionRows.WriteAll(this, detections, cancel);

    public void Write(Detection d)
    {
        var cells = new CsvCells(_out.Buffer);
        DetectionCells.Visit(d, ref cells);
        EndRow(_out.Buffer);
        _out.RowDone();
    }

    public void Flush() => _out.Flush();

    public void Dispose() => _out.Dispose();

    /// <summary>True when a spreadsheet would take the cell for a formula (OWASP CSV injection).</summary>
    public static bool LooksLikeFormula(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r';

    private static void EndRow(ArrayBufferWriter<byte> b)
    {
        Byte(b, (byte)'\r');
        Byte(b, (byte)'\n');
    }

    private static void Byte(ArrayBufferWriter<byte> b, byte value)
    {
        b.GetSpan(1)[0] = value;
        b.Advance(1);
    }

    private static void Text(ArrayBufferWriter<byte> b, string value, bool neutralise)
    {
        bool formula = neutralise && LooksLikeFormula(value);
        bool quote = value.Length == 0 || value.AsSpan().ContainsAny(NeedsQuotes);
        if (quote) Byte(b, (byte)'"');
        if (formula) Byte(b, (byte)'\'');
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            int q = quote ? rest.IndexOf('"') : -1;
            var part = q < 0 ? rest : rest[..(q + 1)];
            b.Advance(Encoding.UTF8.GetBytes(part, b.GetSpan(Encoding.UTF8.GetMaxByteCount(part.Length))));
            if (q >= 0) Byte(b, (byte)'"'); // the quote just written, doubled
            rest = rest[part.Length..];
        }
        if (quote) Byte(b, (byte)'"');
    }

    private struct CsvCells(ArrayBufferWriter<byte> b) : IDetectionCells
    {
        private bool _started;

        private void Separator()
        {
            if (_started) Byte(b, (byte)',');
            _started = true;
        }

        public void Time(long? unixMs)
        {
            Separator();
            if (unixMs is { } ms) b.Advance(DetectionCells.FormatTime(ms, b.GetSpan(DetectionCells.TimeBytes)));
        }

        public void Raw(string? value) => String(value);

        public void String(string? value)
        {
            Separator();
            if (value is not null) Text(b, value, neutralise: true);
        }

        public void Int64(long? value)
        {
            Separator();
            if (value is { } v)
            {
                Utf8Formatter.TryFormat(v, b.GetSpan(20), out int n);
                b.Advance(n);
            }
        }

        public void Int32(int value) => Int64(value);
    }
}
