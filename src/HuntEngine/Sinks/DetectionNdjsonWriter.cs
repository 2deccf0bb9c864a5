using System.Text.Encodings.Web;
using System.Text.Json;

namespace HuntEngine.Sinks;

/// <summary>
/// <c>--stdout ndjson</c>: one JSON object per detection and line, with the detections file's
/// column names in its order (nulls written as <c>null</c>, times as ISO 8601 UTC with
/// milliseconds, <c>raw</c> as a string holding the record's JSON text), for pipes such as
/// <c>hunt scan ... --stdout ndjson | jq</c>. Streams: memory stays bounded by one chunk.
/// </summary>
public sealed class DetectionNdjsonWriter : IDetectionRowWriter, IDisposable
{
    // Non-ASCII text is written as it is (UTF-8), not as \uXXXX: the output is for terminals and
    // jq, never embedded in HTML, so the relaxed encoder is the right one.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private static readonly JsonEncodedText[] Names = DetectionCells.Names.Select(n => JsonEncodedText.Encode(n)).ToArray();
    private readonly Utf8Output _out;
    private readonly Utf8JsonWriter _json;

    public DetectionNdjsonWriter(Stream stream) : this(new Utf8Output(stream)) { }

    public DetectionNdjsonWriter(TextWriter writer) : this(new Utf8Output(writer)) { }

    private DetectionNdjsonWriter(Utf8Output output)
    {
        _out = output;
        _json = new Utf8JsonWriter(_out.Buffer, Options);
    }

    /// <summary>Writes every detection, then flushes.</summary>
    public static void WriteAll(TextWriter writer, IReadOnlyList<Detection> detections, CancellationToken cancel = default)
    {
        using var w = new DetectionNdjsonWriter(writer);
        w.WriteAll(detections, cancel);
    }

    public void WriteAll(IReadOnlyList<Detection> detections, CancellationToken cancel = default) =>
        DetectionRows.WriteAll(this, detections, cancel);

    public void Write(Detection d)
    {
        _json.WriteStartObject();
        var cells = new JsonCells(_json);
        DetectionCells.Visit(d, ref cells);
        _json.WriteEndObject();
        _json.Flush();
        _json.Reset();
        _out.Buffer.GetSpan(1)[0] = (byte)'\n';
        _out.Buffer.Advance(1);
        _out.RowDone();
    }

    public void Flush() => _out.Flush();

    public void Dispose()
    {
        _json.Dispose();
        _out.Dispose();
    }

    private struct JsonCells(Utf8JsonWriter json) : IDetectionCells
    {
        private int _column;

        public void Time(long? unixMs)
        {
            var name = Names[_column++];
            if (unixMs is not { } ms)
            {
                json.WriteNull(name);
                return;
            }
            Span<byte> text = stackalloc byte[DetectionCells.TimeBytes];
            json.WriteString(name, text[..DetectionCells.FormatTime(ms, text)]);
        }

        public void Raw(string? value) => String(value);

        public void String(string? value)
        {
            var name = Names[_column++];
            if (value is null) json.WriteNull(name);
            else json.WriteString(name, value);
        }

        public void Int64(long? value)
        {
            var name = Names[_column++];
            if (value is { } v) json.WriteNumber(name, v);
            else json.WriteNull(name);
        }

        public void Int32(int value) => json.WriteNumber(Names[_column++], value);
    }
}
