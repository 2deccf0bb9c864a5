using System.Runtime.InteropServices;

namespace HuntEngine.Matching;

/// <summary>
/// One worker's events of the aggregate patterns (spec §7.3), kept until every file is read. In
/// memory each event is only what the burst scan needs: its pattern, group, time, file and offset
/// (48 bytes; group keys are shared). Its full row, raw record included, goes to a temporary file
/// and is read back only for the first event of a burst. Holding whole rows grew the heap by about
/// 26 MiB per GiB of a typical archive (every guest invitation is an event), so memory grew with
/// the archive instead of with the bursts.
/// </summary>
internal sealed class AggregateEventLog : IDisposable
{
    /// <summary>An event as the burst scan sees it; <see cref="Row"/> is where its full row is in the log's file.</summary>
    internal readonly record struct Entry(int Spec, string Group, long? TimeMs, string SourceFile, long SourceOffset, long Row);

    private readonly List<Entry> _entries = new();
    private readonly Dictionary<string, string> _groups = new(StringComparer.Ordinal);
    private readonly string _directory;
    private FileStream? _file;
    private BinaryWriter? _writer;
    private BinaryReader? _reader;

    /// <param name="directory">Where the temporary file goes (created on the first event; never left behind).</param>
    public AggregateEventLog(string directory) => _directory = directory;

    public IReadOnlyList<Entry> Entries => _entries;

    /// <summary>Records <paramref name="row"/> as an event of aggregate pattern number <paramref name="spec"/>.</summary>
    public void Add(int spec, AggregateSpec aggregate, Detection row)
    {
        string key = GroupKey(aggregate, row);
        if (!_groups.TryGetValue(key, out var group)) _groups[key] = group = key;
        _entries.Add(new Entry(spec, group, row.EventTimeMs, row.SourceFile, row.SourceOffset, Spill(row)));
    }

    /// <summary>
    /// The group of an event: each group-by column's value length-prefixed (unambiguous whatever the
    /// text holds), "-" for null, so null is a group value of its own and differs from "".
    /// </summary>
    internal static string GroupKey(AggregateSpec aggregate, Detection row) =>
        string.Concat(aggregate.GroupBy.Select(c => row.Text(c) is { } v ? $"{v.Length}:{v}" : "-"));

    /// <summary>The full row of an event of this log, as it was added.</summary>
    public Detection Read(Entry entry)
    {
        if (_file is null) throw new InvalidOperationException("no event was added");
        try
        {
            return ReadAt(entry.Row);
        }
        catch (IOException e)
        {
            throw new HuntTemporaryFileException($"cannot read back the burst pattern's events from their temporary file in {_directory}: {e.Message}", e);
        }
    }

    private Detection ReadAt(long position)
    {
        _writer!.Flush();
        _file!.Position = position;
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
        _file.Seek(0, SeekOrigin.End);
        return row;
    }

    private long Spill(Detection d)
    {
        if (_file is null)
        {
            string path = Path.Combine(_directory, $"hunt-events-{Guid.NewGuid():N}.tmp");
            try
            {
                _file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
                // On Unix the open file outlives its name: unlinked now, nothing is left behind even if
                // the process is killed. (Windows deletes it on close, or when the process ends.)
                if (!OperatingSystem.IsWindows()) File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Dispose();
                throw new HuntTemporaryFileException($"cannot create a temporary file for the burst pattern's events in {_directory} (set TMPDIR to a writable folder): {e.Message}", e);
            }
            _writer = new BinaryWriter(_file, System.Text.Encoding.UTF8, leaveOpen: true);
        }
        try
        {
            return Write(_writer!, d);
        }
        catch (IOException e)
        {
            throw new HuntTemporaryFileException($"cannot write the burst pattern's events to their temporary file in {_directory} (a full disk? set TMPDIR to another folder): {e.Message}", e);
        }
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
        return string.Create(length, r, static (chars, reader) =>
        {
            var bytes = MemoryMarshal.AsBytes(chars);
            reader.BaseStream.ReadExactly(bytes);
        });
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
