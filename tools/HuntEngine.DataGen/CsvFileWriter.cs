using System.Runtime.InteropServices;
using System.Text;

namespace HuntEngine.DataGen;

/// <summary>
/// Frames rows into a CSV export (RFC 4180: fields quoted with <c>""</c> for a quote; commas and
/// newlines allowed inside quotes) and reports each row's decompressed offset: the position of its
/// first byte, which is the ground truth of a CSV record (detection-spec §4). Three dialects:
/// PowerShell <c>Export-Csv</c> (every field quoted, CRLF), the Purview portal and the Log
/// Analytics portal (quoted only where needed, LF or CRLF). Layout choices come from the layout Random.
/// </summary>
internal sealed class CsvFileWriter
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>The PowerShell <c>Search-UnifiedAuditLog | Export-Csv</c> columns.</summary>
    public static readonly string[] PowerShellColumns = ["CreationDate", "UserIds", "Operations", "AuditData"];

    /// <summary>The Purview portal's audit export columns.</summary>
    public static readonly string[] PurviewColumns = ["RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData", "AssociatedAdminUnits", "AssociatedAdminUnitsNames"];

    private readonly DecompressedSink _sink;
    private readonly Container _container;
    private readonly Random _layout;
    private readonly byte[] _newline;
    private readonly bool _quoteAll;
    private readonly List<byte> _pretty = new(8 * 1024);
    private readonly byte[] _cell = new byte[256];
    private byte[] _quoted = new byte[16 * 1024];
    private int _written;

    public CsvFileWriter(DecompressedSink sink, Container container, Random layout)
    {
        _sink = sink;
        _container = container;
        _layout = layout;
        _quoteAll = container == Container.UalCsvPowerShell;
        // PowerShell on Windows writes CRLF; the Purview sample is LF; Log Analytics exports vary.
        _newline = container switch
        {
            Container.UalCsvPowerShell => "\r\n"u8.ToArray(),
            Container.UalCsvPurview => layout.Next(4) == 0 ? "\r\n"u8.ToArray() : "\n"u8.ToArray(),
            _ => layout.Next(2) == 0 ? "\r\n"u8.ToArray() : "\n"u8.ToArray(),
        };
    }

    public static bool IsCsv(Container container) => container is Container.UalCsvPowerShell or Container.UalCsvPurview || TableOf(container) is not null;

    public static LaTable? TableOf(Container container) => container switch
    {
        Container.SentinelCsvOfficeActivity => LaTable.OfficeActivity,
        Container.SentinelCsvSigninLogs => LaTable.SigninLogs,
        Container.SentinelCsvAuditLogs => LaTable.AuditLogs,
        Container.SentinelCsvCommonSecurityLog => LaTable.CommonSecurityLog,
        Container.SentinelCsvDeviceNetworkEvents => LaTable.DeviceNetworkEvents,
        _ => null,
    };

    /// <summary>Writes the optional BOM and the header row.</summary>
    public void Begin()
    {
        // Portal downloads open in Excel, so they usually carry a BOM; PowerShell's does with -Encoding UTF8.
        if (_layout.Next(_container == Container.UalCsvPowerShell ? 2 : 3) == 0) _sink.Write(Utf8Bom);
        switch (_container)
        {
            case Container.UalCsvPowerShell:
                for (int i = 0; i < PowerShellColumns.Length; i++)
                {
                    if (i > 0) _sink.Write((byte)',');
                    WriteField(PowerShellColumns[i]);
                }

                break;
            case Container.UalCsvPurview:
                WriteText(string.Join(",", PurviewColumns));
                break;
            default:
                WriteText(LaRow.CsvHeader(LaSchema.For(TableOf(_container)!.Value)));
                break;
        }
    }

    /// <summary>Writes one UAL export row; returns the decompressed offset of its first byte.</summary>
    public long WriteUalRow(in UalCsvMeta meta, ReadOnlySpan<byte> auditData, bool prettyAuditData)
    {
        long offset = StartRow();
        if (_container == Container.UalCsvPowerShell)
        {
            WriteFieldThenComma(meta.CreationDate);
            WriteFieldThenComma(meta.UserId);
            WriteFieldThenComma(meta.Operation);
            if (prettyAuditData)
            {
                // A re-exported file (ConvertFrom-Json | ConvertTo-Json): AuditData spans lines inside its quotes.
                _pretty.Clear();
                JsonPrettyPrinter.Write(auditData, 0, 4, "\r\n"u8, _pretty);
                WriteQuoted(CollectionsMarshal.AsSpan(_pretty));
            }
            else
            {
                WriteQuoted(auditData);
            }
        }
        else
        {
            WriteFieldThenComma(meta.RecordId);
            WriteFieldThenComma(meta.CreationDate);
            WriteFieldThenComma(meta.RecordType);
            WriteFieldThenComma(meta.Operation);
            WriteFieldThenComma(meta.UserId);
            WriteQuoted(auditData);
            _sink.Write(",,"u8); // AssociatedAdminUnits, AssociatedAdminUnitsNames: empty
        }

        _written++;
        return offset;
    }

    /// <summary>Writes one Log Analytics row; returns the decompressed offset of its first byte.</summary>
    public long WriteLaRow(LaRow row)
    {
        long offset = StartRow();
        var cells = row.Cells;
        for (int i = 0; i < cells.Length; i++)
        {
            if (i > 0) _sink.Write((byte)',');
            if (LaRow.CsvText(cells[i]) is { } text) WriteField(text);
        }

        _written++;
        return offset;
    }

    public void End()
    {
        // Exports end with a line end; a hand-trimmed file may not.
        if (_layout.Next(8) != 0) _sink.Write(_newline);
    }

    /// <summary>Ends the previous row (the header counts) and returns where the new row starts.</summary>
    private long StartRow()
    {
        _sink.Write(_newline);
        return _sink.Position;
    }

    private void WriteText(string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> bytes = max <= _cell.Length ? _cell : new byte[max];
        int n = Encoding.UTF8.GetBytes(text, bytes);
        _sink.Write(bytes[..n]);
    }

    /// <summary>One field: quoted when it must be (a comma, quote, CR or LF inside) or when the dialect quotes everything.</summary>
    private void WriteFieldThenComma(string? text)
    {
        WriteField(text);
        _sink.Write((byte)',');
    }

    private void WriteField(string? text)
    {
        if (text is null)
        {
            if (_quoteAll) _sink.Write("\"\""u8);
            return;
        }

        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> bytes = max <= _cell.Length ? _cell : new byte[max];
        int n = Encoding.UTF8.GetBytes(text, bytes);
        var utf8 = bytes[..n];
        if (_quoteAll || utf8.IndexOfAny(",\"\r\n"u8) >= 0) WriteQuoted(utf8);
        else _sink.Write(utf8);
    }

    private void WriteQuoted(ReadOnlySpan<byte> utf8)
    {
        // Doubled into one buffer and written once: AuditData holds a hundred quotes or more.
        int needed = utf8.Length * 2 + 2;
        if (_quoted.Length < needed) _quoted = new byte[Math.Max(needed, _quoted.Length * 2)];
        int n = 0;
        _quoted[n++] = (byte)'"';
        while (true)
        {
            int quote = utf8.IndexOf((byte)'"');
            if (quote < 0) break;
            utf8[..(quote + 1)].CopyTo(_quoted.AsSpan(n));
            n += quote + 1;
            _quoted[n++] = (byte)'"';
            utf8 = utf8[(quote + 1)..];
        }

        utf8.CopyTo(_quoted.AsSpan(n));
        n += utf8.Length;
        _quoted[n++] = (byte)'"';
        _sink.Write(_quoted.AsSpan(0, n));
    }
}

/// <summary>The columns of a UAL export row other than <c>AuditData</c> (the spec ignores them; an adversarial row may disagree with AuditData).</summary>
internal readonly record struct UalCsvMeta(string? RecordId, string CreationDate, string? RecordType, string? Operation, string? UserId);
