using System.Text.Json;

namespace HuntEngine.Sinks;

/// <summary>
/// <c>--rejects FILE</c>: every record the scan could not use, as NDJSON
/// (<c>{"file","offset","reason","size","truncated","bytes_base64"}</c>), so nothing is lost silently.
/// Bad records are rare, so one lock serializes writers; bytes are capped per record. Lines come
/// in the order workers meet them: sort by file and offset to compare runs.
/// </summary>
public sealed class RejectsFile : IDisposable
{
    public const int MaxBytesPerRecord = 64 * 1024;
    private readonly string _path;
    private readonly string _temporary;
    private readonly FileStream _stream;
    private readonly Utf8JsonWriter _writer;
    private readonly object _gate = new();
    private bool _completed;

    public RejectsFile(string path)
    {
        _path = path;
        _temporary = AtomicFile.TemporaryPathFor(path);
        _stream = new FileStream(_temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        _writer = new Utf8JsonWriter(_stream, new JsonWriterOptions { SkipValidation = true });
    }

    public long Count { get; private set; }

    public void Write(string file, long offset, string reason, ReadOnlySpan<byte> bytes, long size)
    {
        lock (_gate)
        {
            _writer.WriteStartObject();
            _writer.WriteString("file", file);
            _writer.WriteNumber("offset", offset);
            _writer.WriteString("reason", reason);
            _writer.WriteNumber("size", size);
            _writer.WriteBoolean("truncated", bytes.Length > MaxBytesPerRecord || bytes.Length < size);
            _writer.WriteBase64String("bytes_base64", bytes[..Math.Min(bytes.Length, MaxBytesPerRecord)]);
            _writer.WriteEndObject();
            _writer.Flush();
            _stream.WriteByte((byte)'\n');
            _writer.Reset();
            Count++;
        }
    }

    /// <summary>Makes the file visible under its name (a scan that did not finish leaves none).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _writer.Dispose();
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
            File.Move(_temporary, _path, overwrite: true);
            _completed = true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_completed) return;
            _writer.Dispose();
            _stream.Dispose();
            File.Delete(_temporary);
        }
    }
}
