using System.Collections.Concurrent;
using HuntEngine.Framing;

namespace HuntEngine.Scanning;

/// <summary>
/// The scan's threads and how blocks move between them. Every thread frames files (each file by one
/// thread) and processes the blocks it frames itself, on the core that just read them, so most
/// blocks never change thread. A thread with no file left takes blocks from the others through the
/// queue, which they keep one block deeper than the number of such takers (so a taker seldom waits),
/// and process themselves while it is that full. One huge file thus keeps every thread busy, and so
/// do many files; a compressed file's thread decodes while the takers keep up, and parses when they
/// fall behind. With one thread, everything runs on the caller's.
/// <para>
/// The threads start framing before the workers exist (while the compiled tables are built): their
/// blocks wait in the queue meanwhile, so a compressed file is decoding during most of start-up.
/// A fault anywhere stops every thread and is thrown once they are done, never a partial result;
/// every block framed is released exactly once, whatever happens.
/// </para>
/// </summary>
internal sealed class ScanThreads : IDisposable
{
    /// <summary>Frames files until none is left, handing each block to the callback; stops when the token does.</summary>
    public delegate void FrameFiles(Action<RecordBlock> deliver, CancellationToken stop);

    private readonly int _count;
    private readonly FrameFiles _frameFiles;
    private readonly CancellationToken _interrupt;
    private readonly CancellationTokenSource _stop; // an interruption or a fault: every thread stops
    private readonly ConcurrentQueue<Exception> _faults = new();
    // Blocks handed from a thread that frames to one that has run out of files to frame (at most one
    // more than such threads), and blocks framed before the workers exist (up to capacity).
    private readonly BlockingCollection<RecordBlock> _queue;
    private readonly ManualResetEventSlim _workersReady = new();
    private ScanWorker[]? _workers;
    private int _takers;  // threads done framing, taking blocks from the queue
    private int _framing; // threads still framing: the last one to finish completes the queue

    public ScanThreads(int count, FrameFiles frameFiles, CancellationToken interrupt)
    {
        _count = count;
        _frameFiles = frameFiles;
        _interrupt = interrupt;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
        _queue = new BlockingCollection<RecordBlock>(boundedCapacity: count * 2);
        _framing = count;
    }

    /// <summary>
    /// Runs the scan to its end and returns the workers, each completed (its store parts closed).
    /// <paramref name="startWorkers"/> makes one worker per thread; with several threads it runs
    /// while they frame. <paramref name="threadsDone"/> is called once every block is processed,
    /// before the workers close what they write. On a fault the workers' temporary files are
    /// disposed and it throws.
    /// </summary>
    public ScanWorker[] Run(Func<int, ScanWorker[]> startWorkers, Action threadsDone)
    {
        if (_count == 1)
        {
            _workers = startWorkers(1);
            _workersReady.Set();
            RunThread(0);
        }
        else
        {
            var threads = Enumerable.Range(0, _count)
                .Select(t => new Thread(() => RunThread(t)) { IsBackground = true, Name = "hunt-worker" }).ToArray();
            int started = 0;
            try
            {
                for (; started < threads.Length; started++) threads[started].Start();
                _workers = startWorkers(_count);
            }
            catch
            {
                // The threads started stop framing, release what they hold, and end; those that
                // could not start count as done framing, or the queue would never complete.
                _stop.Cancel();
                for (int k = started; k < threads.Length; k++) DoneFraming();
                foreach (var t in threads.Take(started)) t.Join();
                throw;
            }
            _workersReady.Set();
            foreach (var t in threads) t.Join();
        }
        var workers = _workers;
        threadsDone();
        foreach (var w in workers)
        {
            // Every worker closes what it writes and reads, even when another one fails to.
            try
            {
                w.Complete();
            }
            catch (Exception e)
            {
                _faults.Enqueue(e);
            }
        }
        if (!_faults.IsEmpty)
        {
            foreach (var w in workers) w.Dispose();
            throw new AggregateException("a scan worker failed (an engine bug; please report it with the input)", _faults);
        }
        return workers;
    }

    private void RunThread(int t)
    {
        try
        {
            _frameFiles(block => Deliver(t, block), _stop.Token);
        }
        catch (OperationCanceledException)
        {
            // interrupted, or a worker failed: both are reported by Run
        }
        catch (Exception e)
        {
            Fail(e);
        }
        Interlocked.Increment(ref _takers);
        DoneFraming();
        try
        {
            _workersReady.Wait(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            // the workers were never made (the start failed): the queued blocks are only released
        }
        foreach (var block in _queue.GetConsumingEnumerable())
        {
            if (_workersReady.IsSet) Process(_workers![t], block);
            else block.Release();
        }
    }

    private void DoneFraming()
    {
        if (Interlocked.Decrement(ref _framing) == 0) _queue.CompleteAdding();
    }

    /// <summary>A block framed by thread <paramref name="t"/>: processed there, or handed to a taker.</summary>
    private void Deliver(int t, RecordBlock block)
    {
        if (!_workersReady.IsSet)
        {
            // The tables are still being built: blocks wait in the queue (the framing of a
            // compressed file goes on meanwhile), and once it is full the framer waits.
            if (_queue.TryAdd(block)) return;
            try
            {
                _workersReady.Wait(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                block.Release();
                throw;
            }
        }
        var worker = _workers![t];
        int waiting = Volatile.Read(ref _takers);
        if (waiting > 0 && _queue.Count <= waiting && _queue.TryAdd(block)) return;
        // Blocks held while the tables were built go first (only while no thread takes them).
        while (waiting == 0 && _queue.TryTake(out var held)) Process(worker, held);
        Process(worker, block);
    }

    private void Process(ScanWorker worker, RecordBlock block)
    {
        try
        {
            // After an interruption the queued blocks are dropped, so the scan stops within a block.
            if (_faults.IsEmpty && !_interrupt.IsCancellationRequested) worker.Process(block);
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

    /// <summary>A fault stops every thread (they see the stop token) and is thrown once they are done.</summary>
    private void Fail(Exception e)
    {
        _faults.Enqueue(e);
        _stop.Cancel();
    }

    public void Dispose()
    {
        _queue.Dispose();
        _stop.Dispose();
        _workersReady.Dispose();
    }
}
