using HuntEngine.Batches;
using HuntEngine.Framing;
using HuntEngine.Sources;

namespace HuntEngine.Scanning;

/// <summary>
/// Frames the scan's input files, one after another from a shared list so that several threads
/// can frame at once (each file by one thread): opens each file, sniffs its compression and
/// container, runs the framer that reads it, and records on its <see cref="FileSummary"/> how much
/// was read and every failure. A file that cannot be read is reported and the scan goes on.
/// </summary>
internal sealed class FileFramer(IReadOnlyList<InputFile> inputs, FileSummary[] files, ScanOptions options, ReadAheadSettings readAhead)
{
    private readonly ScanOptions _options = options;
    private readonly FramingLimits _limits = new(options.BlockBytes, options.MaxRecordBytes, options.MaxDepth);
    private readonly ReadAheadSettings _readAhead = readAhead;
    private int _nextFile = -1;

    /// <summary>Frames files until none is left, handing every block to <paramref name="deliver"/> (see <see cref="ScanThreads.FrameFiles"/>).</summary>
    public void FrameFiles(Action<RecordBlock> deliver, CancellationToken stop)
    {
        int i;
        while ((i = Interlocked.Increment(ref _nextFile)) < inputs.Count)
        {
            stop.ThrowIfCancellationRequested();
            if (inputs[i].Problem is not null) { _options.Progress?.FileDone(i); continue; }
            var file = files[i];
            FrameFile(inputs[i], file, block =>
            {
                if (file.Malformed + file.Oversized > _options.MaxErrorsPerFile)
                {
                    block.Release();
                    throw new TooManyErrorsException();
                }
                deliver(block);
            }, stop);
            _options.Progress?.FileDone(i);
        }
    }

    /// <summary>
    /// The first byte at or after <paramref name="from"/> that is not blank: JSON whitespace, or a
    /// line of Unicode whitespace only (a blank NDJSON line, spec §1: <see cref="NdjsonLines"/>), so
    /// a first line of form feeds or no-break spaces does not make the file CSV. The length when
    /// there is none, also when a line that is blank so far runs past the bytes at hand.
    /// </summary>
    internal static int FirstNonBlank(ReadOnlySpan<byte> head, int from)
    {
        while (true)
        {
            int i = head[from..].IndexOfAnyExcept(NdjsonLines.Whitespace);
            if (i < 0) return head.Length;
            int at = from + i;
            if (head[at] < 0x80 && head[at] is not ((byte)'\v' or (byte)'\f')) return at;
            int lineEnd = head[at..].IndexOf((byte)'\n');
            var line = lineEnd < 0 ? head[at..] : head.Slice(at, lineEnd);
            if (!NdjsonLines.IsBlank(line, whole: lineEnd >= 0)) return at;
            if (lineEnd < 0) return head.Length;
            from = at + lineEnd + 1;
        }
    }

    /// <summary>Opens, sniffs and frames one file; every failure is recorded on the file and the scan goes on.</summary>
    private void FrameFile(InputFile input, FileSummary file, Action<RecordBlock> emit, CancellationToken cancel)
    {
        SourceStream source;
        try
        {
            source = SourceStream.Open(input.Path, new DecompressionLimits(_options.MaxDecompressedBytes, _options.MaxRatio), _readAhead);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file.Error = $"cannot open: {e.Message}";
            file.ErrorOffset = 0;
            return;
        }
        using (source)
        {
            JsonStreamFramer framer = null!;
            CsvFramer? csv = null;
            var mapped = source.TryMap(_options.MemoryMap, DateTime.UtcNow, _options.MapEveryFile);
            // Bytes of the file (on disk) read so far: a mapped file is read where the framer is.
            long RawBytesRead() => mapped is not null && csv is null ? framer.BytesRead : source.CompressedBytesRead;
            if (_options.Progress is { } progress)
            {
                // Progress: how far into the file the framer has read, once per block.
                var emitBlock = emit;
                emit = block => { progress.FileRead(input.Index, RawBytesRead()); emitBlock(block); };
            }
            file.Compression = source.Compression.ToString().ToLowerInvariant();
            framer = mapped is null
                ? new JsonStreamFramer(source.Decoded, input.Index, _limits, emit, cancel, source.ReadSize) { CheckEnd = source.TruncationAfterEnd }
                : new JsonStreamFramer(mapped, input.Index, _limits, emit, cancel, source.ReadSize);
            try
            {
                var head = framer.Prefetch(4096);
                int start = head.StartsWith("\uFEFF"u8) ? 3 : 0;
                // The first non-blank byte tells the container (spec §1), however many blank lines come
                // before it: read on until there is one, up to the record limit, past which the file
                // is taken as JSON, whose framer skips blanks by streaming. Only the bytes within the
                // limit are looked at, however far the first read went (1 MiB plain, 64 KiB of decoded
                // bytes), so every read path sniffs a file alike.
                int sniffed = (int)Math.Min(start + (long)_limits.MaxRecordBytes, int.MaxValue);
                int held = Math.Min(head.Length, sniffed);
                int first = FirstNonBlank(head[..held], start);
                while (first == held && !framer.ReachedEnd && head.Length < sniffed)
                {
                    head = framer.Prefetch((int)Math.Min(2L * head.Length, sniffed));
                    held = Math.Min(head.Length, sniffed);
                    first = FirstNonBlank(head[..held], start); // from the start again: a line blank so far may have been cut
                }
                bool found = first < held;
                bool allBlank = !found && framer.ReachedEnd && head.Length <= sniffed;
                if (source.Compression == CompressionKind.None && StoreFormatOf(head) is { } storeFormat)
                {
                    framer.Abandon();
                    file.Container = "hunt-store";
                    if (_options.Store is not null)
                    {
                        // Converting holds raw records; a part holds normalized rows (and maybe no raw
                        // text). Reported, not skipped silently: the part is already what convert makes.
                        file.Error = "already a HuntEngine store part: hunt convert reads archives; hunt scan reads parts as they are. Not converted";
                        file.ErrorOffset = 0;
                        return;
                    }
                    file.DecompressedBytes = file.DecompressedBytesConsumed = file.CompressedBytes = input.Length;
                    FrameStorePart(storeFormat, input, file, emit, cancel);
                    return;
                }
                bool json = !found || head[first] is (byte)'[' or (byte)'{';
                if (!json && head[..Math.Min(head.Length, 4096)].Contains((byte)0))
                {
                    file.Container = "binary";
                    file.Error = "not a text file (a NUL byte in its first 4 KiB after decompression): unsupported, not read";
                    file.ErrorOffset = head.IndexOf((byte)0);
                    file.DecompressedBytes = framer.BytesRead;
                    file.CompressedBytes = RawBytesRead();
                    framer.Abandon();
                    return;
                }
                if (!json)
                {
                    // CSV: the CSV framer goes on from the bytes the JSON framer read to sniff.
                    csv = new CsvFramer(source.Decoded, input.Index, _limits, emit, cancel, source.ReadSize)
                    {
                        CheckEnd = source.TruncationAfterEnd,
                    };
                    csv.AdoptPrefix(head, framer.StreamError);
                    // CSV is read from the stream, after the bytes sniffed from the mapping.
                    if (mapped is not null) source.ReadOnFrom(head.Length);
                    framer.Abandon();
                    csv.Run(start);
                    file.Container = csv.Layout == CsvLayout.UalAuditData ? "csv-ual" : "csv";
                }
                else
                {
                    file.MemoryMapped = mapped is not null;
                    // head is gone once framing starts (its buffer goes to a worker, or is unmapped).
                    string? container = allBlank ? "empty" : found && head[first] == (byte)'[' ? "json-array" : null;
                    // From the first non-blank byte: the framer skips only JSON whitespace, and the
                    // lines before it may be blank in Unicode's sense (all of them when it is the end).
                    framer.Run(found || allBlank ? first : start);
                    file.Container = container ?? (framer.Layout == JsonLayout.Lines ? "ndjson" : "json");
                }
            }
            catch (TooManyErrorsException)
            {
                file.Error = $"more than {_options.MaxErrorsPerFile} bad records (--max-errors-per-file): the rest of the file was not read";
                file.ErrorOffset = csv?.BytesRead ?? framer.BytesRead;
            }
            catch (OperationCanceledException)
            {
                // Interrupted: record how far this file was read, for the summary.
                file.DecompressedBytes = csv?.BytesRead ?? framer.BytesRead;
                file.CompressedBytes = RawBytesRead();
                throw;
            }
            long bytesRead = csv?.BytesRead ?? framer.BytesRead;
            var streamError = csv is null ? framer.StreamError : csv.StreamError;
            file.DecompressedBytes = bytesRead;
            file.DecompressedBytesConsumed = csv?.BytesRead ?? framer.Consumed;
            file.CompressedBytes = RawBytesRead();
            if (streamError is { } err && file.Error is null)
            {
                file.Error = $"{source.Compression} stream damaged: {source.DescribeDamage(err)}";
                file.ErrorOffset = bytesRead;
            }
            if (file.Error is null && csv?.StoppedAtHeader is { } headerAt && !cancel.IsCancellationRequested)
            {
                // How far the reads had got past the header decides nothing: not "shrank", not "trailing data".
                file.Error = "the CSV header row could not be read (see the bad records): nothing after it was framed";
                file.ErrorOffset = headerAt;
                file.DecompressedBytesConsumed = headerAt;
            }
            if (file.Error is null && csv is null && (framer.Stopped || !framer.ReachedEnd) && !cancel.IsCancellationRequested)
            {
                // Brackets stopped balancing: the framer could not go on, and says where it stopped.
                file.Error = "framing stopped: the brackets of a top-level JSON value do not balance or nest too deep; nothing after that point was framed (see the bad records)";
                file.ErrorOffset = framer.Consumed;
            }
            if (file.Error is null && !cancel.IsCancellationRequested && RawBytesRead() < input.Length)
            {
                file.Error = source.Compression == CompressionKind.None
                    ? $"the file shrank while it was read ({input.Length} bytes when listed, {RawBytesRead()} read)"
                    : $"data after the end of the {file.Compression} stream: {input.Length - RawBytesRead()} of {input.Length} bytes were not part of it (trailing garbage, or a file that shrank)";
                file.ErrorOffset = bytesRead;
            }
        }
    }

    /// <summary>
    /// A part of a columnar store (<c>hunt convert</c>): a block per record batch goes to the workers,
    /// which read the batch and match it without parsing. A file that is not a store is reported, not read.
    /// </summary>
    private static void FrameStorePart(StoreFormat format, InputFile input, FileSummary file, Action<RecordBlock> emit, CancellationToken cancel)
    {
        try
        {
            using var reader = format.OpenReader(File.OpenRead(input.Path));
            if (!StoreSchema.IsStore(reader.Schema))
            {
                file.Container = format.Name;
                file.Error = $"{(format.Name == "arrow" ? "an Arrow" : "a Parquet")} file that is not a HuntEngine store (no {StoreSchema.VersionKey}): not read";
                file.ErrorOffset = 0;
                return;
            }
            // The workers read the batches themselves: decompression is most of a store scan's work.
            for (int i = 0; i < reader.BatchCount; i++)
            {
                cancel.ThrowIfCancellationRequested();
                emit(new RecordBlock(input.Index, [], 0, pooled: false) { Stored = new StoredBatch(format, i) });
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever the format library throws on a damaged file (its exception types are its own).
            file.Error = $"store part unreadable: {e.Message}";
            file.ErrorOffset = 0;
        }
    }

    private StoreFormat? StoreFormatOf(ReadOnlySpan<byte> head)
    {
        foreach (var format in _options.StoreFormats)
            if (format.Recognizes(head)) return format;
        return null;
    }

    /// <summary>Raised out of a framer when its file has more bad records than the limit.</summary>
    private sealed class TooManyErrorsException : Exception;
}
