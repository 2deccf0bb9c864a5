using System.Runtime.InteropServices;

namespace HuntEngine.Matching;

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
    public long Append(Detection row)
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
            return Write(_writer!, row);
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
        var r = _reader;
        var row = new Detection
        {
            EventTimeMs = ReadLong(r),
            Username = ReadText(r),
            SourceIp = ReadText(r),
            EventName = ReadText(r),
            LogSourceType = ReadText(r),
            AppName = ReadText(r),
            AppDisplayName = ReadText(r),
            UserType = ReadText(r),
            RiskLevel = ReadText(r),
            DetectionType = ReadText(r)!,
            SourceFile = ReadText(r)!,
            SourceOffset = r.ReadInt64(),
            Raw = ReadText(r),
            TargetUser = ReadText(r),
            RemoteHost = ReadText(r),
            ProcessName = ReadText(r),
            SentBytes = ReadLong(r),
            DeviceName = ReadText(r),
            EventCount = r.ReadInt32(),
            WindowEndMs = ReadLong(r),
        };
        return row;
    }

    private long Write(BinaryWriter w, Detection d)
    {
        long at = _file!.Position;
        WriteLong(w, d.EventTimeMs);
        WriteText(w, d.Username);
        WriteText(w, d.SourceIp);
        WriteText(w, d.EventName);
        WriteText(w, d.LogSourceType);
        WriteText(w, d.AppName);
        WriteText(w, d.AppDisplayName);
        WriteText(w, d.UserType);
        WriteText(w, d.RiskLevel);
        WriteText(w, d.DetectionType);
        WriteText(w, d.SourceFile);
        w.Write(d.SourceOffset);
        WriteText(w, d.Raw);
        WriteText(w, d.TargetUser);
        WriteText(w, d.RemoteHost);
        WriteText(w, d.ProcessName);
        WriteLong(w, d.SentBytes);
        WriteText(w, d.DeviceName);
        w.Write(d.EventCount);
        WriteLong(w, d.WindowEndMs);
        return at;
    }

    private static void WriteLong(BinaryWriter w, long? v)
    {
        w.Write(v.HasValue);
        if (v is { } x) w.Write(x);
    }

    private static long? ReadLong(BinaryReader r) => r.ReadBoolean() ? r.ReadInt64() : null;

    // UTF-16 code units as they are: a value unescaped from JSON may hold a lone surrogate, which a
    // UTF-8 round trip would replace.
    private static void WriteText(BinaryWriter w, string? s)
    {
        w.Write(s is null ? -1 : s.Length);
        if (s is not null) w.Write(MemoryMarshal.AsBytes(s.AsSpan()));
    }

    private static string? ReadText(BinaryReader r)
    {
        int length = r.ReadInt32();
        if (length < 0) return null;
        return string.Create(length, r, static (chars, reader) => reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(chars)));
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
