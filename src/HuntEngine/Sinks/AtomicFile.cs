namespace HuntEngine.Sinks;

/// <summary>
/// Writes a result under a temporary name beside its final path and renames it when complete, so
/// an interrupted scan never leaves a truncated file that looks whole (spec §4).
/// </summary>
public static class AtomicFile
{
    public static string TemporaryPathFor(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");

    /// <summary>Fails now, before any data is read, if <paramref name="path"/> cannot be written.</summary>
    public static void CheckWritable(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new HuntConfigurationException($"output path '{path}' is a directory");
        // The result is renamed over the path: that would replace a link, a device or a pipe with a
        // plain file (as root, even /dev/stdout). Write to a regular file, or use --stdout.
        if (File.Exists(full) && new FileInfo(full).LinkTarget is not null)
            throw new HuntConfigurationException($"output path '{path}' is a symbolic link: name the file itself");
        if (OperatingSystem.IsLinux() && (full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal) || full.StartsWith("/sys/", StringComparison.Ordinal)))
            throw new HuntConfigurationException($"output path '{path}' is not a regular file (for a pipe, use --stdout)");
        string? dir = Path.GetDirectoryName(full);
        if (dir is null || !Directory.Exists(dir)) throw new HuntConfigurationException($"output folder '{dir}' does not exist");
        string probe = TemporaryPathFor(path);
        try
        {
            using (File.Create(probe)) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HuntConfigurationException($"output path '{path}' cannot be written: {e.Message}");
        }
    }

    public static void Write(string path, Action<Stream> write)
    {
        string tmp = TemporaryPathFor(path);
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }
}
