using System.IO.Compression;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace HuntEngine.Sources;

/// <summary>
/// .NET's <see cref="GZipStream"/> reports a truncated stream as a normal end (zlib never reached
/// the last member's end, but Read just returns 0), and drops what zlib decoded in a read that met
/// damage. Its inflater knows both: <c>Finished()</c> is true only after a member's trailer (CRC-32
/// and size, checked by zlib) was read, and zlib's stream state counts the input it did not use and
/// the output room it left. There is no public API for them, so they are read by reflection; if a
/// runtime changes the private shape, each answer is "unknown" rather than a guess, and the
/// truncation and damage tests fail loudly.
/// </summary>
internal static class GzipEndCheck
{
    private static readonly FieldInfo? DeflateField = typeof(GZipStream).GetField("_deflateStream", BindingFlags.NonPublic | BindingFlags.Instance);
    private static readonly FieldInfo? InflaterField = typeof(DeflateStream).GetField("_inflater", BindingFlags.NonPublic | BindingFlags.Instance);

    /// <summary>
    /// Input bytes the inflater was given but did not use after the last member ended: data after
    /// the gzip stream (not another member, or .NET would have read it as one). Null when unknown.
    /// </summary>
    public static long? UnusedInputAfterEnd(GZipStream stream) => ZlibCounter(stream, "AvailIn");

    /// <summary>
    /// Room the inflater's last call left in the buffer it was given: after a read that threw, the
    /// buffer's length less this is what zlib wrote before it found the damage. Null when unknown.
    /// </summary>
    public static long? OutputRoomLeft(GZipStream stream) => ZlibCounter(stream, "AvailOut");

    /// <summary>True when the stream ended at a member's end; false when it was cut; null when this runtime cannot tell.</summary>
    [DynamicDependency("Finished", "System.IO.Compression.Inflater", "System.IO.Compression")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "member kept by DynamicDependency; null when a runtime changes shape")]
    public static bool? EndedCleanly(GZipStream stream)
    {
        var inflater = Inflater(stream);
        var finished = inflater?.GetType().GetMethod("Finished", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes);
        return finished?.Invoke(inflater, null) as bool?;
    }

    private static object? Inflater(GZipStream stream)
    {
        var deflate = DeflateField?.GetValue(stream);
        return deflate is null ? null : InflaterField?.GetValue(deflate);
    }

    /// <summary>A counter of zlib's stream state (<c>AvailIn</c>, <c>AvailOut</c>), as the inflater holds it.</summary>
    [DynamicDependency("_zlibStream", "System.IO.Compression.Inflater", "System.IO.Compression")]
    [DynamicDependency("AvailIn", "System.IO.Compression.ZLibNative.ZLibStreamHandle", "System.IO.Compression")]
    [DynamicDependency("AvailOut", "System.IO.Compression.ZLibNative.ZLibStreamHandle", "System.IO.Compression")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "members kept by DynamicDependency; null when a runtime changes shape")]
    private static long? ZlibCounter(GZipStream stream, string name)
    {
        var inflater = Inflater(stream);
        var handle = inflater?.GetType().GetField("_zlibStream", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(inflater);
        var value = handle?.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(handle);
        return value is null ? null : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
