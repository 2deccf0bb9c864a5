using System.Buffers;
using Apache.Arrow.Memory;

namespace HuntEngine.Batches;

/// <summary>
/// Arrow buffers rented from the shared array pool and returned when their record batch is disposed.
/// Reading a store part allocates every column buffer of every batch; with fresh native memory each
/// time, a profile of a store scan showed the allocation and first touch costing more than zstd.
/// </summary>
internal sealed class PooledArrowMemory : MemoryAllocator
{
    public static PooledArrowMemory Instance { get; } = new();

    protected override IMemoryOwner<byte> AllocateInternal(int length, out int bytesAllocated)
    {
        bytesAllocated = length;
        return new Rented(length);
    }

    private sealed class Rented(int length) : IMemoryOwner<byte>
    {
        private byte[]? _array = ArrayPool<byte>.Shared.Rent(length);

        public Memory<byte> Memory => (_array ?? throw new ObjectDisposedException(nameof(Rented))).AsMemory(0, length);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } array) ArrayPool<byte>.Shared.Return(array);
        }
    }
}
