using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace HuntEngine;

/// <summary>Every configuration error the engine raises, in one place, each quoting the bad value.</summary>
[StackTraceHidden]
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ArgumentException_PathNotFound(string path) =>
        throw new HuntConfigurationException($"input path not found: '{path}' (give an existing file or folder)");

    [DoesNotReturn]
    public static void ArgumentException_Window(string problem) =>
        throw new HuntConfigurationException($"time window: {problem}");

    [DoesNotReturn]
    public static void ArgumentException_Threads(int threads) =>
        throw new HuntConfigurationException($"--threads {threads}: must be between 1 and 1024");
}

/// <summary>A scan could not start: bad arguments or an unusable output path. Raised before any data is read.</summary>
public sealed class HuntConfigurationException(string message) : Exception(message);

/// <summary>
/// A temporary file the scan needs (the burst pattern's events, under <c>TMPDIR</c>) could not be
/// created, written or read: the machine's problem, not the input's. The scan has no result.
/// </summary>
public sealed class HuntTemporaryFileException(string message, Exception inner) : IOException(message, inner);
