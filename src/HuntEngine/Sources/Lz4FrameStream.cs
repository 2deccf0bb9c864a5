using System.Buffers;
using System.Buffers.Binary;
using K4os.Compression.LZ4;
using K4os.Hash.xxHash;

namespace HuntEngine.Sources;

/// <summary>
/// The decoded bytes of an LZ4 frame stream (LZ4 Frame Format 1.6: concatenated frames are one
/// stream, skippable frames are skipped). Blocks are decoded by K4os' <see cref="LZ4Codec"/>; the
/// frames are read here.
/// <para>
/// Why not K4os' <c>LZ4Stream</c>: it hashes every decoded byte with XXH32 whether or not the frame
/// carries a content checksum, so a frame without one (its own writer's default) pays for a hash
/// nobody checks: 18.6 % of its decoding time for the 1 GiB benchmark corpus (<c>perf record</c>).
/// Here the hash runs when the frame has a checksum to check it against, and then it is checked;
/// so are block checksums, the header checksum and a declared content size.
/// </para>
/// <para>
/// Damage is an <see cref="InvalidDataException"/> naming the compressed offset; a block decodes
/// whole or not at all, so the bytes returned before it are exactly the frame's.
/// </para>
/// </summary>
internal sealed class Lz4FrameStream(Stream compressed) : ForwardStream
{
    private const uint FrameMagic = 0x184D2204;
    private const uint LegacyMagic = 0x184C2102;
    private const int History = 64 << 10; // how far back a linked block's matches reach
    private const int WindowBlocksMinBytes = 1 << 20; // decoded bytes between moves of the history

    private byte[]? _block; // one compressed block and its checksum
    private byte[]? _window; // the history, then decoded bytes not yet returned
    private int _start, _end; // bytes of _window not yet returned
    private bool _disposed;

    // The frame being read.
    private bool _inFrame;
    private long _frameOffset;
    private int _blockMax;
    private bool _linked, _blockChecksum, _contentChecksum;
    private ulong _declaredSize; // 0: none declared (0 reads as unknown, as lz4's reference decoder reads it)
    private ulong _frameDecoded;
    private XXH32.State _hash;

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty) return 0;
        while (_start == _end)
        {
            if (!_inFrame && !OpenFrame()) return 0;
            if (!_linked && buffer.Length >= _blockMax)
            {
                // An independent block needs no history: it decodes straight into the caller's buffer
                // (0: the frame's end mark, or an empty block).
                int direct = DecodeBlock(buffer);
                if (direct > 0) return direct;
            }
            else
            {
                DecodeBlock(default);
            }
        }
        int n = Math.Min(buffer.Length, _end - _start);
        _window.AsSpan(_start, n).CopyTo(buffer);
        _start += n;
        return n;
    }

    /// <summary>
    /// Reads the next frame's header, skipping skippable frames. False at the end of the stream:
    /// nothing after the last frame.
    /// </summary>
    private bool OpenFrame()
    {
        Span<byte> head = stackalloc byte[4 + 2 + 8 + 4 + 1];
        while (true)
        {
            long at = compressed.Position;
            int got = ReadUpTo(head[..4]);
            if (got == 0) return false;
            if (got < 4) throw Damaged(at, $"{got} bytes after the last frame, too few to start another (trailing garbage, or a cut file)");
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
            if ((magic & 0xFFFFFFF0) == 0x184D2A50)
            {
                ReadExactly(head[..4], at, "skippable frame size");
                Skip(BinaryPrimitives.ReadUInt32LittleEndian(head), at);
                continue;
            }
            if (magic == LegacyMagic) throw Damaged(at, "a legacy-format LZ4 frame (lz4 -l), which is not read; recompress with the frame format");
            if (magic != FrameMagic) throw Damaged(at, $"not an LZ4 frame (magic {magic:x8}): data after the last frame, or a damaged stream");

            ReadExactly(head.Slice(4, 2), at, "frame header");
            byte flg = head[4], bd = head[5];
            if (flg >> 6 != 1) throw Damaged(at, $"LZ4 frame version {flg >> 6}, not 1");
            if ((flg & 0x02) != 0 || (bd & 0x8F) != 0) throw Damaged(at, "reserved bits set in the frame header");
            int code = (bd >> 4) & 7;
            if (code < 4) throw Damaged(at, $"block size code {code} (4 to 7 are defined)");
            bool hasSize = (flg & 0x08) != 0, hasDictionary = (flg & 0x01) != 0;
            int descriptor = 2 + (hasSize ? 8 : 0) + (hasDictionary ? 4 : 0);
            ReadExactly(head.Slice(6, descriptor - 2 + 1), at, "frame header");
            byte expected = head[4 + descriptor];
            byte actual = (byte)(XXH32.DigestOf(head.Slice(4, descriptor)) >> 8);
            if (actual != expected) throw Damaged(at, "frame header checksum mismatch");
            if (hasDictionary)
                throw Damaged(at, $"the frame needs dictionary {BinaryPrimitives.ReadUInt32LittleEndian(head.Slice(6 + (hasSize ? 8 : 0))):x8}, which is not part of the file");

            _frameOffset = at;
            _blockMax = 1 << (2 * code + 8);
            _linked = (flg & 0x20) == 0;
            _blockChecksum = (flg & 0x10) != 0;
            _contentChecksum = (flg & 0x04) != 0;
            _declaredSize = hasSize ? BinaryPrimitives.ReadUInt64LittleEndian(head.Slice(6)) : 0;
            _frameDecoded = 0;
            if (_contentChecksum) XXH32.Reset(ref _hash);
            EnsureBuffers();
            _start = _end = 0; // a frame's blocks never refer to an earlier frame
            _inFrame = true;
            return true;
        }
    }

    private void EnsureBuffers()
    {
        int blockBytes = _blockMax + 4;
        if (_block is null || _block.Length < blockBytes)
        {
            if (_block is not null) ArrayPool<byte>.Shared.Return(_block);
            _block = ArrayPool<byte>.Shared.Rent(blockBytes);
        }
        int windowBytes = History + Math.Max(_blockMax, WindowBlocksMinBytes);
        if (_window is null || _window.Length < windowBytes)
        {
            if (_window is not null) ArrayPool<byte>.Shared.Return(_window);
            _window = ArrayPool<byte>.Shared.Rent(windowBytes);
        }
    }

    /// <summary>
    /// Reads and decodes the next block of the frame: into <paramref name="direct"/> when it is not
    /// empty (an independent block, the caller's buffer), else after the history in the window.
    /// Returns the bytes decoded (0 at the frame's end mark, which closes the frame).
    /// </summary>
    private int DecodeBlock(Span<byte> direct)
    {
        long at = compressed.Position;
        Span<byte> word = stackalloc byte[4];
        ReadExactly(word, at, "block size");
        uint sizeWord = BinaryPrimitives.ReadUInt32LittleEndian(word);
        if (sizeWord == 0)
        {
            CloseFrame(at);
            return 0;
        }
        bool stored = (sizeWord & 0x80000000) != 0;
        int size = (int)(sizeWord & 0x7FFFFFFF);
        if (size > _blockMax) throw Damaged(at, $"a block of {size} bytes in a frame whose blocks hold at most {_blockMax}");
        var block = _block.AsSpan(0, size + (_blockChecksum ? 4 : 0));
        ReadExactly(block, at, "block");
        var data = block[..size];
        if (_blockChecksum && XXH32.DigestOf(data) != BinaryPrimitives.ReadUInt32LittleEndian(block[size..]))
            throw Damaged(at, "block checksum mismatch");

        Span<byte> target;
        ReadOnlySpan<byte> history = default;
        if (!direct.IsEmpty)
        {
            target = direct[..Math.Min(direct.Length, _blockMax)];
        }
        else
        {
            var window = _window!;
            if (_end + _blockMax > window.Length)
            {
                // Keep only what the next block may refer to.
                int keep = _linked ? Math.Min(_end, History) : 0;
                window.AsSpan(_end - keep, keep).CopyTo(window);
                _end = keep;
            }
            if (_linked) history = window.AsSpan(Math.Max(0, _end - History), Math.Min(_end, History));
            target = window.AsSpan(_end, _blockMax);
        }

        int produced;
        if (stored)
        {
            data.CopyTo(target);
            produced = size;
        }
        else
        {
            // K4os returns -1 for a block that does not decode within the target (damage), and for the
            // one block that decodes to nothing: a lone token 0, which lz4 itself accepts.
            produced = size == 1 && data[0] == 0 ? 0
                : history.IsEmpty ? LZ4Codec.Decode(data, target) : LZ4Codec.Decode(data, target, history);
            if (produced < 0) throw Damaged(at, "a compressed block that does not decode (corrupt data)");
        }
        var output = target[..produced];
        if (_contentChecksum) XXH32.Update(ref _hash, output);
        _frameDecoded += (ulong)produced;
        if (_declaredSize > 0 && _frameDecoded > _declaredSize)
            throw Damaged(at, $"the frame decodes to more than the {_declaredSize} bytes its header declares");
        if (direct.IsEmpty)
        {
            _start = _end;
            _end += produced;
        }
        return produced;
    }

    private void CloseFrame(long at)
    {
        if (_contentChecksum)
        {
            Span<byte> word = stackalloc byte[4];
            ReadExactly(word, at, "content checksum");
            if (XXH32.Digest(_hash) != BinaryPrimitives.ReadUInt32LittleEndian(word))
                throw Damaged(_frameOffset, "content checksum mismatch: the frame's decoded bytes are not the ones written");
        }
        if (_declaredSize > 0 && _frameDecoded != _declaredSize)
            throw Damaged(_frameOffset, $"the frame decodes to {_frameDecoded} bytes; its header declares {_declaredSize}");
        _inFrame = false;
    }

    private int ReadUpTo(Span<byte> into) => compressed.ReadAtLeast(into, into.Length, throwOnEndOfStream: false);

    private void ReadExactly(Span<byte> into, long at, string what)
    {
        int n = ReadUpTo(into);
        if (n < into.Length) throw Damaged(at, $"the stream ends inside a {what} ({n} of {into.Length} bytes): the file is cut short");
    }

    private void Skip(uint length, long at)
    {
        var scratch = _block ?? (_block = ArrayPool<byte>.Shared.Rent(64 << 10));
        long left = length;
        while (left > 0)
        {
            int n = ReadUpTo(scratch.AsSpan(0, (int)Math.Min(left, scratch.Length)));
            if (n == 0) throw Damaged(at, $"the stream ends inside a skippable frame of {length} bytes: the file is cut short");
            left -= n;
        }
    }

    private static InvalidDataException Damaged(long compressedOffset, string what) =>
        new($"LZ4: {what} (at compressed byte {compressedOffset})");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            try
            {
                compressed.Dispose();
            }
            finally
            {
                if (_block is not null) ArrayPool<byte>.Shared.Return(_block);
                if (_window is not null) ArrayPool<byte>.Shared.Return(_window);
                _block = _window = null;
            }
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => !_disposed;
}
