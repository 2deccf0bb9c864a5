using System.IO.Compression;
using System.Runtime.ExceptionServices;

namespace HuntEngine.Sources;

/// <summary>
/// A <see cref="GZipStream"/> whose read that meets damage (a CRC-32 or size trailer that does not
/// match, corrupt deflate data) first hands out the bytes zlib decoded in it, and throws on the
/// next read. .NET drops them with the exception, up to a whole read: a small file with a bad
/// trailer gave no record at all, where <c>gzip -d</c> and Python's gzip module hand out every byte
/// and then report the error (spec §5: the records that decompressed whole before the damage are
/// scanned). How many bytes zlib wrote is read from the inflater's state
/// (<see cref="GzipEndCheck.OutputRoomLeft"/>); where a runtime hides it, the read throws at once.
/// </summary>
internal sealed class GzipDecodeStream(Stream compressed) : ForwardStream
{
    private ExceptionDispatchInfo? _damage; // met by the last read, thrown by this one

    public GZipStream Inner { get; } = new(compressed, CompressionMode.Decompress, leaveOpen: false);

    public override int Read(Span<byte> buffer)
    {
        if (_damage is { } damage)
        {
            _damage = null;
            damage.Throw();
        }
        try
        {
            return Inner.Read(buffer);
        }
        catch (InvalidDataException e) when (buffer.Length - GzipEndCheck.OutputRoomLeft(Inner) is > 0 and var written && written <= buffer.Length)
        {
            _damage = ExceptionDispatchInfo.Capture(e);
            return (int)written;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Inner.Dispose();
        base.Dispose(disposing);
    }
}
