using System.Globalization;
using HuntEngine.Scanning;

namespace HuntEngine.Cli;

/// <summary>The human summary on the terminal: accounting first, then the first detections as a table.</summary>
internal static class TerminalReport
{
    public static void Write(TextWriter o, ScanResult result, string output, int show)
    {
        var s = result.Summary;
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"files        {s.Files.Count} ({s.FailedFiles} failed)");
        o.WriteLine($"bytes        {s.CompressedBytes.ToString("N0", inv)} compressed, {s.DecompressedBytes.ToString("N0", inv)} decompressed");
        o.WriteLine($"records      {s.RecordsFramed.ToString("N0", inv)} framed, {s.RecordsParsed.ToString("N0", inv)} parsed, {s.RecordsCleared.ToString("N0", inv)} cleared by the prefilter{(s.RecordsCleared > 0 ? " (not checked for broken JSON: --validate)" : "")}, {s.Malformed.ToString("N0", inv)} malformed, {s.Oversized.ToString("N0", inv)} oversized");
        var kinds = s.RecordsByKind.Where(k => k.Value > 0).Select(k => $"{k.Key} {k.Value.ToString("N0", inv)}");
        o.WriteLine($"by kind      {string.Join(", ", kinds)}{(s.RecordsCleared > 0 ? " (parsed records; --validate parses all)" : "")}");
        if (s.RecordsOutsideWindow > 0 || s.RecordsWithoutTimeInWindow > 0 || s.Windowed && s.RecordsCleared > 0)
            o.WriteLine($"window       {s.RecordsOutsideWindow.ToString("N0", inv)} outside, {s.RecordsWithoutTimeInWindow.ToString("N0", inv)} without a time (excluded){(s.RecordsCleared > 0 ? " (parsed records; --validate checks all)" : "")}");
        o.WriteLine($"detections   {s.Detections.ToString("N0", inv)}: {string.Join(", ", s.DetectionsByType.Select(d => $"{d.Key} {d.Value}"))}");
        o.WriteLine($"elapsed      {s.Elapsed.TotalSeconds.ToString("F2", inv)} s, {s.MegabytesPerSecond(s.DecompressedBytes).ToString("F1", inv)} MB/s decompressed ({s.MegabytesPerSecond(s.CompressedBytes).ToString("F1", inv)} MB/s on disk), {s.Threads} threads, peak RSS {(s.PeakWorkingSetBytes / 1048576.0).ToString("F0", inv)} MiB");
        foreach (var f in s.Files.Where(f => f.Error is not null))
            o.WriteLine($"failed file  {f.Path} at decompressed offset {f.ErrorOffset}: {f.Error}");
        var bad = s.FirstBadRecords(10).ToList();
        if (bad.Count > 0)
        {
            o.WriteLine("bad records (first ones; all are counted above):");
            foreach (var b in bad) o.WriteLine($"  {b.File} @ {b.Offset}: {b.Reason}");
        }
        o.WriteLine($"output       {output}");
        if (result.Detections.Count == 0 || show == 0) return;

        o.WriteLine();
        string[] header = ["event_time (UTC)", "detection_type", "username", "source_ip", "event_name", "detail", "source"];
        var rows = result.Detections.Take(show).Select(d => new[]
        {
            d.EventTimeMs is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t).ToString("yyyy-MM-dd HH:mm:ss", inv) : "-",
            d.DetectionType,
            d.Username ?? "-",
            d.SourceIp ?? "-",
            d.EventName ?? "-",
            Detail(d),
            $"{Path.GetFileName(d.SourceFile)}@{d.SourceOffset}",
        }).ToList();
        var widths = header.Select((h, i) => Math.Min(40, Math.Max(h.Length, rows.Max(r => r[i].Length)))).ToArray();
        o.WriteLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))));
        foreach (var r in rows) o.WriteLine(string.Join("  ", r.Select((c, i) => Clip(c, widths[i]).PadRight(widths[i]))));
        if (result.Detections.Count > show) o.WriteLine($"... {result.Detections.Count - show} more in {output}");
    }

    private static string Detail(Detection d) => d.DetectionType switch
    {
        "SuspiciousOAuthGrant" => $"app={d.AppName}",
        "RiskyGuestSignin" => $"{d.AppDisplayName} risk={d.RiskLevel}",
        "CloudStorageExfil" => $"{d.RemoteHost} {d.SentBytes} B {d.ProcessName}",
        "GuestInviteBurst" => $"{d.EventCount} invites until {(d.WindowEndMs is { } w ? DateTimeOffset.FromUnixTimeMilliseconds(w).ToString("HH:mm:ss", CultureInfo.InvariantCulture) : "-")}",
        _ => d.LogSourceType ?? "",
    };

    private static string Clip(string s, int width)
    {
        s = s.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ');
        return s.Length <= width ? s : s[..(width - 1)] + "…";
    }
}
