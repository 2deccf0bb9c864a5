using System.Buffers;
using System.Runtime.InteropServices;

namespace HuntEngine.Sinks;

/// <summary>
/// Whole detection rows written to a temporary file and read back by position: what a scan holds
/// for the end (the burst pattern's events, detections past the memory budget) without holding
/// it in memory. The file is unlinked as soon as it is open on Unix, so nothing is left behind
/// even if the process is killed; every failure is a <see cref="HuntTemporaryFileException"/>
/// naming the folder and what the file was for.
/// </summary>
internal sealed class DetectionRowFile : IDisposable
{
    private readonly string _directory;
    private readonly string _holds;
    private FileStream? _file;
    private BinaryWriter? _writer;
    private BinaryReader? _reader;
    private bool _readSinceAppend; // the position is where the last read left it, not at the end
    private readonly object _gate = new(); // reads move the file's one position: one at a time

    /// <param name="directory">Where the file goes (created on the first row).</param>
    /// <param name="holds">What the rows are, for messages ("the burst pattern's events").</param>
    public DetectionRowFile(string directory, string holds)
    {
        _directory = directory;
        _holds = holds;
    }

    /// <summary>Writes <paramref name="row"/> and returns where it starts.</summary>
    public long Append(Detection row) => Append(row, default, rawAsUtf8: false);

    /// <summary>
    /// Writes <paramref name="row"/> with <paramref name="rawUtf8"/> as its raw record (empty: none),
    /// not <see cref="Detection.Raw"/>; read back, it is that text. Saves making a string of a raw
    /// record that may never be read.
    /// </summary>
    public long Append(Detection row, ReadOnlySpan<byte> rawUtf8) => Append(row, rawUtf8, rawAsUtf8: true);

    private long Append(Detection row, ReadOnlySpan<byte> rawUtf8, bool rawAsUtf8)
    {
        if (_file is null)
        {
            string path = Path.Combine(_directory, $"hunt-rows-{Guid.NewGuid():N}.tmp");
            try
            {
                _file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
                // On Unix the open file outlives its name. (Windows deletes it on close, or when the process ends.)
                if (!OperatingSystem.IsWindows()) File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Dispose();
                throw new HuntTemporaryFileException($"cannot create a temporary file for {_holds} in {_directory} (set TMPDIR to a writable folder): {e.Message}", e);
            }
            _writer = new BinaryWriter(_file, System.Text.Encoding.UTF8, leaveOpen: true);
        }
        try
        {
            if (_readSinceAppend)
            {
                _file.Seek(0, SeekOrigin.End);
                _readSinceAppend = false;
            }
            return Write(_writer!, row, rawUtf8, rawAsUtf8);
        }
        catch (IOException e)
        {
            throw new HuntTemporaryFileException($"cannot write {_holds} to their temporary file in {_directory} (a full disk? set TMPDIR to another folder): {e.Message}", e);
        }
    }

    /// <summary>The row written at <paramref name="position"/>, as it was written. Safe to call from several threads (not beside <see cref="Append"/>).</summary>
    public Detection Read(long position)
    {
        ObjectDisposedException.ThrowIf(_file is null, this);
        try
        {
            lock (_gate) return ReadAt(position);
        }
        catch (IOException e)
        {
            throw new HuntTemporaryFileException($"cannot read back {_holds} from their temporary file in {_directory}: {e.Message}", e);
        }
    }

    private Detection ReadAt(long position)
    {
        if (!_readSinceAppend)
        {
            _writer!.Flush();
            _readSinceAppend = true;
        }
        // Rows read in file order (the usual case) need no seek, so the read buffer is kept.
        if (_file!.Position != position) _file.Position = position;
        _reader ??= new BinaryReader(_file, System.Text.Encoding.UTF8, leaveOpen: true);
        var cells = new CellReader(_reader);
        return DetectionCells.Read(ref cells);
    }

    private long Write(BinaryWriter w, Detection d, ReadOnlySpan<byte> rawUtf8, bool rawAsUtf8)
    {
        long at = _file!.Position;
        var cells = new CellWriter(w, rawUtf8, rawAsUtf8);
        DetectionCells.Visit(d, ref cells);
        return at;
    }

    // Numbers as a presence flag and the value; text as its UTF-16 code units as they are (a value
    // unescaped from JSON may hold a lone surrogate, which a UTF-8 round trip would replace), its
    // length first (-1: null). A raw record given as bytes is UTF-8 that parsed, so it round-trips:
    // it is written as -2 - its byte count, then the bytes.
    private readonly ref struct CellWriter(BinaryWriter w, ReadOnlySpan<byte> rawUtf8, bool rawAsUtf8) : IDetectionCells
    {
        private readonly ReadOnlySpan<byte> _rawUtf8 = rawUtf8;

        public void Time(long? unixMs) => Int64(unixMs);
        public void Int32(int value) => w.Write(value);

        public void Int64(long? value)
        {
            w.Write(value.HasValue);
            if (value is { } v) w.Write(v);
        }

        public void Raw(string? value)
        {
            if (!rawAsUtf8)
            {
                String(value);
                return;
            }
            w.Write(_rawUtf8.IsEmpty ? -1 : -2 - _rawUtf8.Length);
            w.Write(_rawUtf8);
        }

        public void String(string? value)
        {
            w.Write(value is null ? -1 : value.Length);
            if (value is not null) w.Write(MemoryMarshal.AsBytes(value.AsSpan()));
        }
    }

    private readonly struct CellReader(BinaryReader r) : IDetectionCellSource
    {
        public long? Time() => Int64();
        public long? Int64() => r.ReadBoolean() ? r.ReadInt64() : null;
        public int Int32() => r.ReadInt32();

        public string? String()
        {
            int length = r.ReadInt32();
            if (length == -1) return null;
            if (length < -1) return Utf8(r, -2 - length);
            return string.Create(length, r, static (chars, reader) => reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(chars)));
        }
    }

    private static string Utf8(BinaryReader r, int bytes)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            r.BaseStream.ReadExactly(buffer, 0, bytes);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, bytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes the file without writing what is still buffered: its contents are not needed any more, and a full disk must not keep the handle open.</summary>
    public void Dispose()
    {
        var file = _file;
        _file = null;
        _writer = null;
        _reader = null;
        if (file is null) return;
        try
        {
            file.Dispose();
        }
        catch (IOException)
        {
            // The buffered tail could not be written; the handle is closed all the same.
        }
    }
}
