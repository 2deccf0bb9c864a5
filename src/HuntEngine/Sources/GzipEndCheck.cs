using System.IO.Compression;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace HuntEngine.Sources;

/// <summary>
/// .NET's <see cref="GZipStream"/> reports a truncated stream as a normal end (zlib never reached
/// the last member's end, but Read just returns 0). The inflater knows: its <c>Finished()</c> is
/// true only after a member's trailer (CRC-32 and size, checked by zlib) was read. There is no
/// public API for it, so it is read by reflection; if a runtime changes the private shape, the check
/// says "unknown" rather than guessing, and the truncation tests fail loudly.
/// </summary>
internal static class GzipEndCheck
{
    private static readonly FieldInfo? DeflateField = typeof(GZipStream).GetField("_deflateStream", BindingFlags.NonPublic | BindingFlags.Instance);
    private static readonly FieldInfo? InflaterField = typeof(DeflateStream).GetField("_inflater", BindingFlags.NonPublic | BindingFlags.Instance);

    /// <summary>
    /// Input bytes the inflater was given but did not use after the last member ended: data after
    /// the gzip stream (not another member, or .NET would have read it as one). Null when unknown.
    /// </summary>
    [DynamicDependency("_zlibStream", "System.IO.Compression.Inflater", "System.IO.Compression")]
    [DynamicDependency("AvailIn", "System.IO.Compression.ZLibNative.ZLibStreamHandle", "System.IO.Compression")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "members kept by DynamicDependency; null when a runtime changes shape")]
    public static long? UnusedInputAfterEnd(GZipStream stream)
    {
        var deflate = DeflateField?.GetValue(stream);
        var inflater = deflate is null ? null : InflaterField?.GetValue(deflate);
        var handle = inflater?.GetType().GetField("_zlibStream", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(inflater);
        var availIn = handle?.GetType().GetProperty("AvailIn", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(handle);
        return availIn is null ? null : Convert.ToInt64(availIn, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Room the inflater's last call left in the buffer it was given: after a read that threw, the
    /// buffer's length less this is what zlib wrote before it found the damage. Null when unknown.
    /// </summary>
    [DynamicDependency("_zlibStream", "System.IO.Compression.Inflater", "System.IO.Compression")]
    [DynamicDependency("AvailOut", "System.IO.Compression.ZLibNative.ZLibStreamHandle", "System.IO.Compression")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "members kept by DynamicDependency; null when a runtime changes shape")]
    public static long? OutputRoomLeft(GZipStream stream)
    {
        var deflate = DeflateField?.GetValue(stream);
        var inflater = deflate is null ? null : InflaterField?.GetValue(deflate);
        var handle = inflater?.GetType().GetField("_zlibStream", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(inflater);
        var availOut = handle?.GetType().GetProperty("AvailOut", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(handle);
        return availOut is null ? null : Convert.ToInt64(availOut, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>True when the stream ended at a member's end; false when it was cut; null when this runtime cannot tell.</summary>
    [DynamicDependency("Finished", "System.IO.Compression.Inflater", "System.IO.Compression")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "member kept by DynamicDependency; null when a runtime changes shape")]
    public static bool? EndedCleanly(GZipStream stream)
    {
        var deflate = DeflateField?.GetValue(stream);
        var inflater = deflate is null ? null : InflaterField?.GetValue(deflate);
        var finished = inflater?.GetType().GetMethod("Finished", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes);
        return finished?.Invoke(inflater, null) as bool?;
    }
}
