using Apache.Arrow;
using HuntEngine.Batches;

namespace HuntEngine.Sinks;

/// <summary>Where <c>hunt convert</c> writes, and how (<see cref="Format"/>: Arrow IPC unless set).</summary>
public sealed record StoreOptions(string Directory, bool KeepRaw = false, long RowsPerPart = 1_000_000)
{
    public StoreFormat Format { get; init; } = StoreFormat.Arrow;
}

/// <summary>
/// One worker's part files of the columnar store: record batches appended as they are normalized,
/// a new part after <see cref="StoreOptions.RowsPerPart"/> rows (bounded files, bounded memory:
/// nothing is held beyond what the format buffers for one row group). Each part is written under
/// a temporary name and renamed when complete, so a part that exists is whole.
/// </summary>
internal sealed class StoreWriter(StoreOptions options, int worker) : IDisposable
{
    private readonly Schema _schema = StoreSchema.Arrow(options.KeepRaw);
    private FileStream? _stream;
    private IStorePartWriter? _writer;
    private string? _path;
    private long _rows;
    private int _part;

    public void Append(NormalizedBatch batch, string sourceFile)
    {
        if (batch.Count == 0) return;
        if (_writer is null || _rows >= options.RowsPerPart) Rotate();
        using var record = StoreSchema.Export(_schema, batch, sourceFile, options.KeepRaw);
        _writer!.Write(record);
        _rows += batch.Count;
    }

    private void Rotate()
    {
        Close();
        _path = Path.Combine(options.Directory, $"part-w{worker:D3}-{_part++:D5}{options.Format.Extension}");
        string temporary = AtomicFile.TemporaryPathFor(_path);
        var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        try
        {
            _writer = options.Format.CreateWriter(stream, _schema);
        }
        catch
        {
            // No part was begun: its file goes (Close only closes a part that was). The error that
            // is reported stays the writer's, whatever the clean-up meets.
            try { stream.Dispose(); } catch (IOException) { }
            DeleteQuietly(temporary);
            throw;
        }
        _stream = stream;
        _rows = 0;
    }

    private void Close()
    {
        if (_writer is null) return;
        var (writer, stream) = (_writer, _stream!);
        _writer = null; // whatever happens below, this part is not closed twice
        _stream = null;
        string temporary = AtomicFile.TemporaryPathFor(_path!);
        try
        {
            using (stream)
            using (writer)
            {
                writer.Complete();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, _path!, overwrite: true);
        }
        catch
        {
            // A part that could not be finished is not left behind under its temporary name.
            DeleteQuietly(temporary);
            throw;
        }
    }

    /// <summary>Removes a temporary part; a failure here must not hide the error that made it one.</summary>
    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    public void Dispose() => Close();
}
