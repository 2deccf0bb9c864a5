namespace HuntEngine.Sources;

/// <summary>One file to scan: the path as given or found (it is what <c>source_file</c> holds).</summary>
public sealed record InputFile(int Index, string Path, long Length);

/// <summary>Expands the scan's paths into files: folders walked recursively in ordinal order of their paths (spec §1).</summary>
internal static class InputFiles
{
    /// <summary>Fails (before any data is read) when a path does not exist.</summary>
    public static List<InputFile> Expand(IReadOnlyList<string> paths)
    {
        var files = new List<InputFile>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(new InputFile(files.Count, path, new FileInfo(path).Length));
            }
            else if (Directory.Exists(path))
            {
                var found = new List<string>();
                Walk(path, found);
                found.Sort(StringComparer.Ordinal);
                foreach (var f in found) files.Add(new InputFile(files.Count, f, new FileInfo(f).Length));
            }
            else
            {
                ThrowHelper.ArgumentException_PathNotFound(path);
            }
        }
        return files;
    }

    private static void Walk(string dir, List<string> found)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = false,
            AttributesToSkip = FileAttributes.ReparsePoint, // a symlink loop must not walk forever
            ReturnSpecialDirectories = false,
        };
        foreach (var f in Directory.EnumerateFiles(dir, "*", options)) found.Add(f);
    }
}
