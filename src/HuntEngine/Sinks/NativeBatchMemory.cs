using System.Buffers;
using System.Runtime.InteropServices;

namespace HuntEngine.Sinks;

/// <summary>
/// Native memory for the buffers of one output batch, all freed when it is disposed (after the
/// batch is written). A batch's raw-record column alone is megabytes (about 4 KiB a row): as
/// managed arrays its buffers went to the large object heap, whose budget they used up, and the
/// full collection that followed stopped a 2-thread hunt for about 5 ms just after its output.
/// </summary>
internal sealed unsafe class NativeBatchMemory : IDisposable
{
    private readonly List<Block> _blocks = new();

    /// <summary>Zeroed bytes, valid until this is disposed.</summary>
    public Memory<byte> Allocate(int length)
    {
        if (length == 0) return Memory<byte>.Empty;
        var block = new Block((byte*)NativeMemory.AllocZeroed((nuint)length), length);
        _blocks.Add(block);
        return block.Memory;
    }

    public void Dispose()
    {
        foreach (var block in _blocks) block.Free();
        _blocks.Clear();
    }

    private sealed class Block(byte* pointer, int length) : MemoryManager<byte>
    {
        private byte* _pointer = pointer;

        public override Span<byte> GetSpan() =>
            _pointer is null ? throw new ObjectDisposedException(nameof(NativeBatchMemory)) : new(_pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        public void Free()
        {
            NativeMemory.Free(_pointer);
            _pointer = null;
        }

        protected override void Dispose(bool disposing) => Free();
    }
}
