namespace HuntEngine.Sources;

/// <summary>One file to scan: the path as given or found (it is what <c>source_file</c> holds).</summary>
public sealed record InputFile(int Index, string Path, long Length, string? Problem = null);

/// <summary>
/// Expands the scan's paths into files (spec §1): folders walked recursively in ordinal order of
/// their paths. A path given on the command line that does not exist fails before any data is read
/// (a typo). What the walk meets that cannot be read is listed with its problem, to be reported
/// and skipped: a broken or looping symbolic link, a link to a folder (not followed, so a link
/// cycle cannot walk forever), a folder that cannot be listed. A file reached twice is scanned once.
/// </summary>
internal static class InputFiles
{
    public static List<InputFile> Expand(IReadOnlyList<string> paths)
    {
        var found = new List<(string Path, long Length, string? Problem)>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
            {
                var inFolder = new List<(string, long, string?)>();
                Walk(path, inFolder);
                inFolder.Sort((a, b) => CodePointOrder.Compare(a.Item1, b.Item1));
                found.AddRange(inFolder);
            }
            else if (File.Exists(path) || Directory.Exists(path))
            {
                found.Add(Describe(path));
            }
            else if (new FileInfo(path).LinkTarget is not null)
            {
                found.Add((path, 0, "broken symbolic link"));
            }
            else
            {
                ThrowHelper.ArgumentException_PathNotFound(path);
            }
        }
        // A file reached twice (a folder and a file in it both given, two spellings of one path, a
        // link and its target, two hard links as in rsnapshot-style backups) is scanned once, under
        // the name it was first reached by: scanning it twice would double its detections and could
        // make a burst of events that happened once.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return found.Where(f => f.Problem is not null || seen.Add(Identity(f.Path)))
            .Select((f, i) => new InputFile(i, f.Path, f.Length, f.Problem)).ToList();
    }

    private static string Identity(string path)
    {
        if (FileId.TryGet(path, out ulong device, out ulong inode)) return $"inode {device}:{inode}";
        try
        {
            var info = new FileInfo(path);
            return info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target
                ? target.FullName
                : info.FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Path.GetFullPath(path);
        }
    }

    private static void Walk(string dir, List<(string, long, string?)> found)
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(dir).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            found.Add((dir, 0, $"cannot list folder: {e.Message}"));
            return;
        }
        foreach (var entry in entries)
        {
            var info = new DirectoryInfo(entry);
            if (info.Exists && info.LinkTarget is null) Walk(entry, found);
            else found.Add(Describe(entry));
        }
    }

    private static (string, long, string?) Describe(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!File.Exists(path) && !Directory.Exists(path) && info.LinkTarget is null)
                return (path, 0, "cannot be opened under the name the system listed (a file name that is not valid UTF-8?)");
            if (info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                // A FileInfo for a folder says Exists = false: ask about folders first.
                if (target is not null && Directory.Exists(target.FullName)) return (path, 0, "symbolic link to a folder: not followed");
                if (target is null || !File.Exists(target.FullName)) return (path, 0, "broken symbolic link");
                return (path, new FileInfo(target.FullName).Length, null);
            }
            if (Directory.Exists(path)) return (path, 0, "symbolic link to a folder: not followed");
            return (path, info.Length, null);
        }
        catch (IOException e)
        {
            return (path, 0, $"symbolic link cannot be resolved (a loop?): {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            return (path, 0, $"cannot read: {e.Message}");
        }
    }

    /// <summary>
    /// A file's device and inode (<c>stat</c>, following links), where the runtime can ask for them:
    /// 64-bit Linux, whose <c>struct stat</c> starts with both on x64 and Arm64, glibc and musl
    /// alike. Elsewhere, or with a C library that does not export <c>stat</c> (glibc before 2.33),
    /// identity falls back to the resolved path, which misses hard links only.
    /// </summary>
    private static class FileId
    {
        private static bool _unavailable = !OperatingSystem.IsLinux() || !Environment.Is64BitProcess
            || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is not (System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64);

        public static unsafe bool TryGet(string path, out ulong device, out ulong inode)
        {
            device = inode = 0;
            if (_unavailable) return false;
            byte* buffer = stackalloc byte[512]; // struct stat is 128–144 bytes on these targets
            try
            {
                if (stat(path, buffer) != 0) return false;
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                _unavailable = true;
                return false;
            }
            device = *(ulong*)buffer;
            inode = *(ulong*)(buffer + 8);
            return true;
        }

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
#pragma warning disable CA2101, SYSLIB1054 // a file name is bytes on Linux; UTF-8 marshalling below
        private static extern unsafe int stat([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, byte* buffer);
#pragma warning restore CA2101, SYSLIB1054
    }
}
