using HuntEngine.Batches;
using System.Collections.Concurrent;
using System.Diagnostics;
using HuntEngine.Framing;
using HuntEngine.Matching;
using HuntEngine.Parsing;
using HuntEngine.Sources;

namespace HuntEngine.Scanning;

/// <summary>
/// Runs a hunt: sources → framing → parse/normalize → batch → match, in parallel. Each thread
/// frames files (a file by one thread, several files at once) and processes the blocks it frames
/// with its own parser, batch and matcher; a thread with no file left takes blocks from the others
/// through a bounded queue, so one huge file keeps every thread busy too. The queue's bound and a
/// block per thread are all that is held, so memory stays bounded whatever the archive size. With
/// one thread everything runs on the caller's. Results are merged and sorted once at the end, so
/// the output does not depend on thread count or timing.
/// <para>
/// Error policy: bad arguments and missing paths throw <see cref="HuntConfigurationException"/>
/// before any data is read; a file that cannot be opened or decompressed is recorded in its
/// <see cref="FileSummary"/> and the scan goes on; a bad record is counted with its offset.
/// </para>
/// </summary>
public static class HuntScanner
{
    public static ScanResult Run(ScanOptions options, CancellationToken cancel = default)
    {
        Validate(options);
        int threads = options.Threads;
        // --threads 1 is one thread: the caller's frames each block and processes it at once, with
        // no other thread beside it (no read-ahead either), so a user who asks for one core gets one.
        bool oneThread = threads == 1;
        // The compiled tables are built on first use, each one mostly JIT and one-off work; side by
        // side they cost about half the start-up they cost one after another in the first worker.
        var tables = oneThread ? null : Task.Run(() => BuildTables(options, sideBySide: true));
        var inputs = InputFiles.Expand(options.Paths);
        options.Progress?.Start(inputs.Select(f => f.Length).ToArray());
        var files = inputs.Select(f => new FileSummary { Path = f.Path, Error = f.Problem, ErrorOffset = f.Problem is null ? null : 0 }).ToArray();
        var context = new ScanContext(options, files);
        var limits = new FramingLimits(options.BlockBytes, options.MaxRecordBytes, options.MaxDepth);
        var readAhead = options.ReadAhead ?? (oneThread ? ReadAheadSettings.Off : ReadAheadSettings.Default);
        var clock = Stopwatch.StartNew();

        // Blocks handed from a thread that frames to one that has run out of files to frame (at most
        // one more than such threads), and blocks framed before the workers exist (up to capacity).
        using var queue = new BlockingCollection<RecordBlock>(boundedCapacity: threads * 2);
        // A worker that throws is a bug in the engine: stop everything and surface it, never a partial result.
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var faults = new ConcurrentQueue<Exception>();
        if (options.Store is { } store) Directory.CreateDirectory(store.Directory);
        int nextFile = -1;
        void FrameFiles(Action<RecordBlock> deliver)
        {
            int i;
            while ((i = Interlocked.Increment(ref nextFile)) < inputs.Count)
            {
                failed.Token.ThrowIfCancellationRequested();
                if (inputs[i].Problem is not null) { options.Progress?.FileDone(i); continue; }
                var file = files[i];
                FrameFile(inputs[i], file, options, limits, readAhead, block =>
                {
                    if (file.Malformed + file.Oversized > options.MaxErrorsPerFile)
                    {
                        block.Release();
                        throw new TooManyErrorsException();
                    }
                    deliver(block);
                }, failed.Token);
                options.Progress?.FileDone(i);
            }
        }
        void ProcessBlock(ScanWorker worker, RecordBlock block)
        {
            try
            {
                // After an interruption the queued blocks are dropped, so the scan stops within a block.
                if (faults.IsEmpty && !cancel.IsCancellationRequested) worker.Process(block);
            }
            catch (Exception e)
            {
                Fail(e);
            }
            finally
            {
                block.Release();
            }
        }
        // A fault stops every thread (they see `failed`) and is surfaced once they are done.
        void Fail(Exception e)
        {
            faults.Enqueue(e);
            failed.Cancel();
        }

        // Every thread frames files (each file by one thread) and processes the blocks it frames
        // itself, on the core that just read them, so most blocks never change thread. A thread
        // with no file left takes blocks from the others through the queue, which they keep one
        // block deeper than the number of such takers (so a taker seldom waits), and process
        // themselves while it is that full. One huge file thus keeps every thread busy, and so do
        // many files; a compressed file's thread decodes while the takers keep up, and parses
        // when they fall behind.
        ScanWorker[]? workers = null;
        using var workersReady = new ManualResetEventSlim();
        int takers = 0, framing = threads;
        void Deliver(int t, RecordBlock block)
        {
            if (!workersReady.IsSet)
            {
                // The tables are still being built: blocks wait in the queue (the framing of a
                // compressed file goes on meanwhile), and once it is full the framer waits.
                if (queue.TryAdd(block)) return;
                try
                {
                    workersReady.Wait(failed.Token);
                }
                catch (OperationCanceledException)
                {
                    block.Release();
                    throw;
                }
            }
            var worker = workers![t];
            int waiting = Volatile.Read(ref takers);
            if (waiting > 0 && queue.Count <= waiting && queue.TryAdd(block)) return;
            // Blocks held while the tables were built go first (only while no thread takes them).
            while (waiting == 0 && queue.TryTake(out var held)) ProcessBlock(worker, held);
            ProcessBlock(worker, block);
        }
        void RunThread(int t)
        {
            try
            {
                FrameFiles(block => Deliver(t, block));
            }
            catch (OperationCanceledException)
            {
                // interrupted, or a worker failed: both are reported below
            }
            catch (Exception e)
            {
                Fail(e);
            }
            Interlocked.Increment(ref takers);
            if (Interlocked.Decrement(ref framing) == 0) queue.CompleteAdding();
            try
            {
                workersReady.Wait(failed.Token);
            }
            catch (OperationCanceledException)
            {
                // the workers were never made (the start failed): the queued blocks are only released
            }
            foreach (var block in queue.GetConsumingEnumerable())
            {
                if (workersReady.IsSet) ProcessBlock(workers![t], block);
                else block.Release();
            }
        }

        TimeSpan startEnded;
        Thread[] scanThreads = [];
        if (oneThread)
        {
            BuildTables(options, sideBySide: false);
            workers = [new ScanWorker(context, 0)];
            startEnded = clock.Elapsed;
            workersReady.Set();
            RunThread(0);
        }
        else
        {
            // The threads start framing before the tables are built: a compressed file is decoding
            // meanwhile, which is most of start-up hidden where decoding is the limit.
            scanThreads = Enumerable.Range(0, threads)
                .Select(t => new Thread(() => RunThread(t)) { IsBackground = true, Name = "hunt-worker" }).ToArray();
            int started = 0;
            try
            {
                for (; started < scanThreads.Length; started++) scanThreads[started].Start();
                tables!.GetAwaiter().GetResult();
                workers = Enumerable.Range(0, threads).Select(i => new ScanWorker(context, i)).ToArray();
                startEnded = clock.Elapsed;
            }
            catch
            {
                // The threads started stop framing, release what they hold, and end; those that
                // could not start count as done framing, or the queue would never complete.
                failed.Cancel();
                for (int k = started; k < scanThreads.Length; k++)
                    if (Interlocked.Decrement(ref framing) == 0) queue.CompleteAdding();
                foreach (var t in scanThreads.Take(started)) t.Join();
                throw;
            }
            workersReady.Set();
        }
        foreach (var t in scanThreads) t.Join();
        var scanEnded = clock.Elapsed;
        foreach (var w in workers)
        {
            // Every worker closes what it writes and reads, even when another one fails to.
            try
            {
                w.Complete();
            }
            catch (Exception e)
            {
                faults.Enqueue(e);
            }
        }
        var detections = new List<Detection>(); // held in memory: every worker's within its budget, and the bursts
        var byKind = new long[RecordKinds.Count];
        long outside = 0, noTime = 0;
        bool spilled = false;
        try
        {
            if (!faults.IsEmpty) throw new AggregateException("a scan worker failed (an engine bug; please report it with the input)", faults);
            foreach (var w in workers)
            {
                detections.AddRange(w.Detections.Held);
                spilled |= w.Detections.SpilledRows.Count > 0;
                for (int k = 0; k < byKind.Length; k++) byKind[k] += w.RecordsByKind[k];
                outside += w.Counters.OutsideWindow;
                noTime += w.Counters.NoTimeInWindow;
            }
            var logs = workers.Select(w => w.AggregateEvents).ToArray();
            for (int a = 0; a < CompiledPatterns.Default.Aggregates.Length; a++)
                detections.AddRange(BurstAggregator.FindBursts(a, CompiledPatterns.Default.Aggregates[a].Spec, logs));
        }
        catch
        {
            foreach (var w in workers) w.Detections.Dispose();
            throw;
        }
        finally
        {
            // The events' temporary files go whether the scan succeeded or not (Dispose never throws).
            foreach (var w in workers) w.AggregateEvents.Dispose();
        }
        IReadOnlyList<Detection> result;
        Func<string, long> countOf;
        if (!spilled)
        {
            foreach (var w in workers) w.Detections.Dispose();
            detections.Sort(Detection.CompareOutputOrder);
            result = detections;
            countOf = type => detections.Count(d => d.DetectionType == type);
        }
        else
        {
            // Past the memory budget: the rows stay in the workers' files until the output is
            // written, and the result reads them back in order (disposed with the ScanResult).
            var sorted = new SpilledDetections(detections, workers.Select(w => w.Detections).ToArray());
            result = sorted;
            countOf = type => sorted.CountOf(type);
        }
        clock.Stop();

        var detectionTypes = CompiledPatterns.Default.Patterns.Select(p => p.Name)
            .Concat(CompiledPatterns.Default.Aggregates.Select(a => a.Spec.Name))
            .ToDictionary(n => n, countOf);
        var summary = new ScanSummary
        {
            Files = files,
            RecordsByKind = Enumerable.Range(0, RecordKinds.Count).ToDictionary(k => RecordKinds.Name((RecordKind)k), k => byKind[k]),
            DetectionsByType = detectionTypes,
            RecordsOutsideWindow = outside,
            RecordsWithoutTimeInWindow = noTime,
            Elapsed = clock.Elapsed,
            Phases = new ScanPhases(startEnded, scanEnded - startEnded, clock.Elapsed - scanEnded),
            PeakWorkingSetBytes = Process.GetCurrentProcess().PeakWorkingSet64,
            Threads = threads,
            Interrupted = cancel.IsCancellationRequested,
        };
        return new ScanResult(result, summary);
    }

    /// <summary>Builds the compiled tables, side by side on the thread pool or one after another.</summary>
    private static void BuildTables(ScanOptions options, bool sideBySide)
    {
        Action[] builds =
        [
            () => _ = FieldPlan.Default,
            () => _ = CompiledPatterns.Default,
            () => _ = options.Prefilter ? RecordPrefilter.Default : null,
            () => _ = InvariantLowering.NonAsciiToAscii,
        ];
        if (sideBySide)
            Parallel.Invoke(builds);
        else
            foreach (var build in builds) build();
    }

    private static void Validate(ScanOptions o)
    {
        if (o.Threads is < 1 or > 1024) ThrowHelper.ArgumentException_Threads(o.Threads);
        if (o.Paths.Count == 0) throw new HuntConfigurationException("no input paths given");
        if (o.Window is { FromMs: { } f, ToMs: { } t } && f >= t)
            ThrowHelper.ArgumentException_Window($"from ({DateTimeOffset.FromUnixTimeMilliseconds(f):O}) must be before to ({DateTimeOffset.FromUnixTimeMilliseconds(t):O})");
        if (o.MaxRecordBytes < 1024) throw new HuntConfigurationException($"max record size {o.MaxRecordBytes}: must be at least 1024 bytes");
        if (o.MaxDepth is < 2 or > 100_000) throw new HuntConfigurationException($"max depth {o.MaxDepth}: must be between 2 and 100000");
        if (o.MaxErrorsPerFile < 0) throw new HuntConfigurationException($"max errors per file {o.MaxErrorsPerFile}: must not be negative");
        if (o.DetectionMemoryBytes < 0) throw new HuntConfigurationException($"detection memory {o.DetectionMemoryBytes}: must not be negative");
    }

    /// <summary>The first byte at or after <paramref name="from"/> that is not JSON whitespace; the length when there is none.</summary>
    private static int FirstNonBlank(ReadOnlySpan<byte> head, int from)
    {
        int i = head[from..].IndexOfAnyExcept(" \t\r\n"u8);
        return i < 0 ? head.Length : from + i;
    }

    /// <summary>Opens, sniffs and frames one file; every failure is recorded on the file and the scan goes on.</summary>
    private static void FrameFile(InputFile input, FileSummary file, ScanOptions options, FramingLimits limits, ReadAheadSettings readAhead, Action<RecordBlock> emit, CancellationToken cancel)
    {
        SourceStream source;
        try
        {
            source = SourceStream.Open(input.Path, new DecompressionLimits(options.MaxDecompressedBytes, options.MaxRatio), readAhead);
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
            var mapped = source.TryMap(options.MemoryMap, DateTime.UtcNow, options.MapEveryFile);
            // Bytes of the file (on disk) read so far: a mapped file is read where the framer is.
            long RawBytesRead() => mapped is not null && csv is null ? framer.BytesRead : source.CompressedBytesRead;
            if (options.Progress is { } progress)
            {
                // Progress: how far into the file the framer has read, once per block.
                var emitBlock = emit;
                emit = block => { progress.FileRead(input.Index, RawBytesRead()); emitBlock(block); };
            }
            file.Compression = source.Compression.ToString().ToLowerInvariant();
            framer = mapped is null
                ? new JsonStreamFramer(source.Decoded, input.Index, limits, emit, cancel, source.ReadSize) { CheckEnd = source.TruncationAfterEnd }
                : new JsonStreamFramer(mapped, input.Index, limits, emit, cancel, source.ReadSize);
            try
            {
                var head = framer.Prefetch(4096);
                int start = head.StartsWith("\uFEFF"u8) ? 3 : 0;
                // The first non-blank byte tells the container (spec §1), however many blank lines come
                // before it: read on until there is one (up to the record limit, past which the file
                // is taken as JSON, whose framer skips blanks by streaming).
                int first = FirstNonBlank(head, start);
                while (first >= head.Length && !framer.ReachedEnd && head.Length < limits.MaxRecordBytes)
                {
                    head = framer.Prefetch((int)Math.Min(2L * head.Length, limits.MaxRecordBytes));
                    first = FirstNonBlank(head, first);
                }
                if (source.Compression == CompressionKind.None && StoreFormatOf(options, head) is { } storeFormat)
                {
                    framer.Abandon();
                    file.Container = "hunt-store";
                    if (options.Store is not null)
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
                bool json = first >= head.Length || head[first] is (byte)'[' or (byte)'{';
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
                    csv = new CsvFramer(source.Decoded, input.Index, limits, emit, cancel, source.ReadSize)
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
                    string? container = first >= head.Length ? "empty" : head[first] == (byte)'[' ? "json-array" : null;
                    framer.Run(start);
                    file.Container = container ?? (framer.Layout == JsonLayout.Lines ? "ndjson" : "json");
                }
            }
            catch (TooManyErrorsException)
            {
                file.Error = $"more than {options.MaxErrorsPerFile} bad records (--max-errors-per-file): the rest of the file was not read";
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

    private static StoreFormat? StoreFormatOf(ScanOptions options, ReadOnlySpan<byte> head)
    {
        foreach (var format in options.StoreFormats)
            if (format.Recognizes(head)) return format;
        return null;
    }

    /// <summary>Raised out of a framer when its file has more bad records than the limit.</summary>
    private sealed class TooManyErrorsException : Exception;
}
