using System.Buffers;
using System.Globalization;
using System.Text;

namespace HuntEngine.Sinks;

/// <summary>Receives one detection's cells in the column order of <see cref="DetectionSchema.Arrow"/>.</summary>
internal interface IDetectionCells
{
    void Time(long? unixMs);
    void String(string? value);
    /// <summary>The raw record's cell (a string cell; a row file may take it as the file's UTF-8 bytes instead).</summary>
    void Raw(string? value);
    void Int64(long? value);
    void Int32(int value);
}

/// <summary>Gives one detection's cells in the column order of <see cref="DetectionSchema.Arrow"/> (what <see cref="IDetectionCells"/> receives).</summary>
internal interface IDetectionCellSource
{
    long? Time();
    string? String();
    long? Int64();
    int Int32();
}

/// <summary>
/// The one place that lists a detection's values in column order, for the text outputs
/// (<see cref="DetectionNdjsonWriter"/>, <see cref="DetectionCsvWriter"/>) and the temporary row
/// files (<see cref="DetectionRowFile"/>, which also reads them back); names come from
/// <see cref="DetectionSchema.Arrow"/>. Generic over a struct visitor, so there is no reflection
/// and no per-cell allocation.
/// </summary>
internal static class DetectionCells
{
    public static IReadOnlyList<string> Names { get; } = DetectionSchema.Arrow.FieldsList.Select(f => f.Name).ToArray();

    public static void Visit<T>(Detection d, ref T cells) where T : struct, IDetectionCells, allows ref struct
    {
        cells.Time(d.EventTimeMs);
        cells.String(d.Username);
        cells.String(d.SourceIp);
        cells.String(d.EventName);
        cells.String(d.LogSourceType);
        cells.String(d.AppName);
        cells.String(d.AppDisplayName);
        cells.String(d.UserType);
        cells.String(d.RiskLevel);
        cells.String(d.DetectionType);
        cells.String(d.SourceFile);
        cells.Int64(d.SourceOffset);
        cells.Raw(d.Raw);
        cells.String(d.TargetUser);
        cells.String(d.RemoteHost);
        cells.String(d.ProcessName);
        cells.Int64(d.SentBytes);
        cells.String(d.DeviceName);
        cells.Int32(d.EventCount);
        cells.Time(d.WindowEndMs);
    }

    /// <summary>A detection from its cells, in the order <see cref="Visit"/> gives them (an object initializer runs in written order).</summary>
    public static Detection Read<T>(ref T cells) where T : struct, IDetectionCellSource => new()
    {
        EventTimeMs = cells.Time(),
        Username = cells.String(),
        SourceIp = cells.String(),
        EventName = cells.String(),
        LogSourceType = cells.String(),
        AppName = cells.String(),
        AppDisplayName = cells.String(),
        UserType = cells.String(),
        RiskLevel = cells.String(),
        DetectionType = cells.String()!,
        SourceFile = cells.String()!,
        SourceOffset = cells.Int64()!.Value,
        Raw = cells.String(),
        TargetUser = cells.String(),
        RemoteHost = cells.String(),
        ProcessName = cells.String(),
        SentBytes = cells.Int64(),
        DeviceName = cells.String(),
        EventCount = cells.Int32(),
        WindowEndMs = cells.Time(),
    };

    /// <summary>ISO 8601 UTC with milliseconds, e.g. <c>2026-11-20T10:15:30.123Z</c> (24 bytes).</summary>
    public static int FormatTime(long unixMs, Span<byte> utf8)
    {
        if (!DateTime.UnixEpoch.AddMilliseconds(unixMs).TryFormat(utf8, out int n, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture))
            throw new InvalidOperationException("a 32-byte buffer holds an ISO 8601 time");
        return n;
    }

    public const int TimeBytes = 32;
}

/// <summary>
/// UTF-8 bytes gathered in a buffer and handed on in chunks to a <see cref="Stream"/> or a
/// <see cref="TextWriter"/> (the CLI's stdout), so a pipe gets few large writes, not one per cell.
/// Dispose does not flush (an exception must not push half a result on): call <see cref="Flush"/>.
/// </summary>
internal sealed class Utf8Output : IDisposable
{
    private const int FlushAt = 64 * 1024;
    private readonly Stream? _stream;
    private readonly TextWriter? _text;
    private char[] _chars = [];

    public Utf8Output(Stream stream) => _stream = stream;
    public Utf8Output(TextWriter text) => _text = text;

    public ArrayBufferWriter<byte> Buffer { get; } = new(FlushAt * 2);

    /// <summary>After each row: passes the buffer on once it holds enough.</summary>
    public void RowDone()
    {
        if (Buffer.WrittenCount >= FlushAt) Drain();
    }

    public void Flush()
    {
        Drain();
        _stream?.Flush();
        _text?.Flush();
    }

    private void Drain()
    {
        var bytes = Buffer.WrittenSpan;
        if (bytes.IsEmpty) return;
        if (_stream is not null)
        {
            _stream.Write(bytes);
        }
        else
        {
            int max = Encoding.UTF8.GetMaxCharCount(bytes.Length);
            if (_chars.Length < max) _chars = new char[max];
            int n = Encoding.UTF8.GetChars(bytes, _chars);
            _text!.Write(_chars, 0, n);
        }
        Buffer.ResetWrittenCount();
    }

    public void Dispose() => Buffer.ResetWrittenCount();
}
