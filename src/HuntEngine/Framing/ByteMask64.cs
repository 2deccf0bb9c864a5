using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HuntEngine.Framing;

/// <summary>How <see cref="ByteMask64.Of"/> compares each byte with the value.</summary>
internal enum ByteTest : byte
{
    /// <summary>The byte is the value.</summary>
    Equal,
    /// <summary>The byte is the value once bit 5 is set: <c>{</c> finds <c>{ [</c>, <c>}</c> finds <c>} ]</c>.</summary>
    EqualIgnoringBit5,
    /// <summary>The byte is below the value (0x20: control bytes).</summary>
    Below,
    /// <summary>The byte's high bit is set (not ASCII); the value is not used.</summary>
    HighBit,
}

/// <summary>
/// One bit per byte of 64: the framers read JSON and CSV 64 bytes at a time this way, visiting
/// only the bytes whose bits are set. 256-bit vectors where the machine has them, else 128-bit.
/// </summary>
internal static class ByteMask64
{
    /// <summary>Bit i set when byte i at <paramref name="at"/> passes <paramref name="test"/> against <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Of(ref byte at, byte value, ByteTest test)
    {
        if (Vector256.IsHardwareAccelerated)
            return Bits(Vector256.LoadUnsafe(ref at), value, test) | (ulong)Bits(Vector256.LoadUnsafe(ref at, 32), value, test) << 32;
        return Bits(Vector128.LoadUnsafe(ref at), value, test) | (ulong)Bits(Vector128.LoadUnsafe(ref at, 16), value, test) << 16
            | (ulong)Bits(Vector128.LoadUnsafe(ref at, 32), value, test) << 32 | (ulong)Bits(Vector128.LoadUnsafe(ref at, 48), value, test) << 48;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Bits(Vector256<byte> v, byte value, ByteTest test) => (test switch
    {
        ByteTest.Equal => Vector256.Equals(v, Vector256.Create(value)),
        ByteTest.EqualIgnoringBit5 => Vector256.Equals(v | Vector256.Create((byte)0x20), Vector256.Create(value)),
        ByteTest.HighBit => v,
        _ => Vector256.LessThan(v, Vector256.Create(value)),
    }).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Bits(Vector128<byte> v, byte value, ByteTest test) => (test switch
    {
        ByteTest.Equal => Vector128.Equals(v, Vector128.Create(value)),
        ByteTest.EqualIgnoringBit5 => Vector128.Equals(v | Vector128.Create((byte)0x20), Vector128.Create(value)),
        ByteTest.HighBit => v,
        _ => Vector128.LessThan(v, Vector128.Create(value)),
    }).ExtractMostSignificantBits();
}
