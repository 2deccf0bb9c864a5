using System.Runtime.InteropServices;

namespace HuntEngine.DataGen;

/// <summary>
/// Frames records into one container and reports each record's decompressed offset (the
/// position of its opening '{'). Layout details (BOM, CRLF, blank lines, compact or pretty
/// arrays, wrapper preambles) are drawn from a layout Random separate from the records', so
/// the same options give the same records whatever the container.
/// </summary>
internal sealed class CorpusFileWriter
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private readonly DecompressedSink _sink;
    private readonly Container _container;
    private readonly Random _layout;
    private readonly List<byte> _pretty = new(8 * 1024);
    private readonly byte[] _newline;
    private readonly bool _prettyElements;
    private readonly int _indent;
    private int _written;

    public CorpusFileWriter(DecompressedSink sink, Container container, Random layout)
    {
        _sink = sink;
        _container = container;
        _layout = layout;
        _newline = layout.Next(5) == 0 ? "\r\n"u8.ToArray() : "\n"u8.ToArray();
        _prettyElements = container is Container.JsonArray or Container.GraphValueWrapper or Container.RecordsWrapper && layout.Next(3) == 0;
        _indent = layout.Next(2) == 0 ? 2 : 4;
    }

    public void Begin()
    {
        if (_layout.Next(8) == 0) _sink.Write(Utf8Bom);
        switch (_container)
        {
            case Container.JsonArray:
                if (_layout.Next(6) == 0) _sink.Write(_newline);
                _sink.Write((byte)'[');
                break;
            case Container.GraphValueWrapper:
                WriteGraphPreamble();
                break;
            case Container.RecordsWrapper:
                if (_prettyElements)
                {
                    _sink.Write("{"u8);
                    NewLine(1);
                    _sink.Write("\"records\": ["u8);
                }
                else
                {
                    _sink.Write(_layout.Next(2) == 0 ? "{\"records\":["u8 : "{ \"records\": ["u8);
                }

                break;
            case Container.Ndjson:
            case Container.PrettyNdjsonSingle:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(_container), _container, "unknown container");
        }
    }

    /// <summary>Writes one record; returns the decompressed offset of its opening '{'.</summary>
    public long WriteRecord(ReadOnlySpan<byte> compactJson)
    {
        long offset;
        switch (_container)
        {
            case Container.Ndjson:
                if (_written > 0) WriteNdjsonLineEnd();
                WriteNdjsonNoise();
                offset = _sink.Position;
                _sink.Write(compactJson);
                break;
            case Container.PrettyNdjsonSingle:
                if (_layout.Next(4) == 0) _sink.Write(_newline);
                offset = _sink.Position;
                WritePretty(compactJson, level: 0);
                break;
            default:
                offset = WriteArrayElement(compactJson);
                break;
        }

        _written++;
        return offset;
    }

    public void End()
    {
        switch (_container)
        {
            case Container.Ndjson:
                // Most exports end with a newline; some do not, and the last line is still a record.
                if (_layout.Next(7) != 0) _sink.Write(_newline);
                break;
            case Container.PrettyNdjsonSingle:
                _sink.Write(_newline);
                break;
            case Container.JsonArray:
                if (_prettyElements || _layout.Next(2) == 0) _sink.Write(_newline);
                _sink.Write((byte)']');
                _sink.Write(_newline);
                break;
            default:
                if (_prettyElements)
                {
                    NewLine(1);
                    _sink.Write((byte)']');
                    _sink.Write(_newline);
                    _sink.Write((byte)'}');
                }
                else
                {
                    _sink.Write("]}"u8);
                }

                if (_layout.Next(2) == 0) _sink.Write(_newline);
                break;
        }
    }

    private void WriteGraphPreamble()
    {
        ReadOnlySpan<byte> context = _layout.Next(2) == 0
            ? "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns"u8
            : "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits"u8;
        bool nextLink = _layout.Next(2) == 0;
        if (_prettyElements)
        {
            _sink.Write("{"u8);
            NewLine(1);
            _sink.Write("\"@odata.context\": \""u8);
            _sink.Write(context);
            _sink.Write("\","u8);
            if (nextLink)
            {
                NewLine(1);
                _sink.Write("\"@odata.nextLink\": \"https://graph.microsoft.com/v1.0/auditLogs/signIns?$top=1000&$skiptoken=9b7c0f3e2d\","u8);
            }

            NewLine(1);
            _sink.Write("\"value\": ["u8);
        }
        else
        {
            _sink.Write("{\"@odata.context\":\""u8);
            _sink.Write(context);
            _sink.Write("\","u8);
            if (nextLink) _sink.Write("\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$top=1000&$skiptoken=51e2b8c4a0\","u8);
            _sink.Write("\"value\":["u8);
        }
    }

    private long WriteArrayElement(ReadOnlySpan<byte> compactJson)
    {
        int elementLevel = _container == Container.JsonArray ? 1 : 2;
        if (_written > 0) _sink.Write((byte)',');
        long offset;
        if (_prettyElements)
        {
            NewLine(elementLevel);
            offset = _sink.Position;
            WritePretty(compactJson, elementLevel);
            return offset;
        }

        // Compact arrays: mostly nothing between elements, sometimes a space or a line break.
        switch (_layout.Next(10))
        {
            case 0: _sink.Write((byte)' '); break;
            case 1: _sink.Write(_newline); break;
        }

        offset = _sink.Position;
        _sink.Write(compactJson);
        return offset;
    }

    /// <summary>Ends the previous line: mostly the file's line end, now and then the other one (mixed line ends occur in merged exports).</summary>
    private void WriteNdjsonLineEnd()
    {
        if (_layout.Next(100) == 0) _sink.Write(_newline.Length == 1 ? "\r\n"u8 : "\n"u8);
        else _sink.Write(_newline);
    }

    /// <summary>Blank lines, whitespace-only lines and indentation, which readers must skip (detection-spec §1).</summary>
    private void WriteNdjsonNoise()
    {
        switch (_layout.Next(300))
        {
            case 0: _sink.Write(_newline); break;
            case 1: _sink.Write(" \t"u8); _sink.Write(_newline); break;
            case 2: _sink.Write(_newline); _sink.Write(_newline); break;
            case 3: _sink.Write("  "u8); break;
        }
    }

    private void WritePretty(ReadOnlySpan<byte> compactJson, int level)
    {
        _pretty.Clear();
        JsonPrettyPrinter.Write(compactJson, level, _indent, _newline, _pretty);
        _sink.Write(CollectionsMarshal.AsSpan(_pretty));
    }

    private void NewLine(int level)
    {
        _sink.Write(_newline);
        for (int i = 0; i < level * _indent; i++) _sink.Write((byte)' ');
    }
}
