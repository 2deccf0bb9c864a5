using System.Text.Json;
using HuntEngine.Scanning;

namespace HuntEngine.Sinks;

/// <summary>
/// The machine-readable summary (spec §4). <see cref="SchemaVersion"/> changes whenever a field is
/// renamed or removed; adding fields keeps it. Every field is documented in doc/summary-schema.md.
/// </summary>
public static class SummaryJson
{
    public const int SchemaVersion = 1;

    /// <param name="outputTime">How long writing the detections took, when they were written.</param>
    public static void Write(string path, ScanSummary s, string status, string? output, int exitCode, TimeSpan? outputTime = null) =>
        AtomicFile.Write(path, stream => Write(stream, s, status, output, exitCode, outputTime));

    public static void Write(Stream stream, ScanSummary s, string status, string? output, int exitCode, TimeSpan? outputTime = null)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteNumber("schema_version", SchemaVersion);
        w.WriteString("status", status);
        w.WriteNumber("exit_code", exitCode);
        if (output is not null) w.WriteString("output", output); else w.WriteNull("output");
        w.WriteNumber("threads", s.Threads);
        w.WriteNumber("elapsed_seconds", Math.Round(s.Elapsed.TotalSeconds, 3));
        w.WriteStartObject("phase_seconds");
        w.WriteNumber("start", Math.Round(s.Phases.Start.TotalSeconds, 3));
        w.WriteNumber("scan", Math.Round(s.Phases.Scan.TotalSeconds, 3));
        w.WriteNumber("finish", Math.Round(s.Phases.Finish.TotalSeconds, 3));
        if (outputTime is { } written) w.WriteNumber("output", Math.Round(written.TotalSeconds, 3)); else w.WriteNull("output");
        w.WriteEndObject();
        w.WriteNumber("files", s.Files.Count);
        w.WriteNumber("failed_files", s.FailedFiles);
        w.WriteNumber("bytes_compressed", s.CompressedBytes);
        w.WriteNumber("bytes_decompressed", s.DecompressedBytes);
        w.WriteNumber("mb_per_second_decompressed", Math.Round(s.MegabytesPerSecond(s.DecompressedBytes), 1));
        w.WriteNumber("mb_per_second_compressed", Math.Round(s.MegabytesPerSecond(s.CompressedBytes), 1));
        w.WriteNumber("peak_working_set_bytes", s.PeakWorkingSetBytes);
        w.WriteStartObject("records");
        w.WriteNumber("framed", s.RecordsFramed); // = parsed + cleared_by_prefilter + malformed + oversized
        w.WriteNumber("parsed", s.RecordsParsed);
        w.WriteNumber("cleared_by_prefilter", s.RecordsCleared);
        w.WriteNumber("malformed", s.Malformed);
        w.WriteNumber("oversized", s.Oversized);
        w.WriteNumber("outside_window", s.RecordsOutsideWindow);
        w.WriteNumber("without_time_in_window", s.RecordsWithoutTimeInWindow);
        w.WriteEndObject();
        w.WriteStartObject("records_by_kind");
        foreach (var (k, v) in s.RecordsByKind) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteNumber("detections", s.Detections);
        w.WriteStartObject("detections_by_type");
        foreach (var (k, v) in s.DetectionsByType) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteStartArray("first_bad_records");
        foreach (var b in s.FirstBadRecords(50))
        {
            w.WriteStartObject();
            w.WriteString("file", b.File);
            w.WriteNumber("offset", b.Offset);
            w.WriteString("reason", b.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("file_details");
        foreach (var f in s.Files)
        {
            w.WriteStartObject();
            w.WriteString("path", f.Path);
            w.WriteString("compression", f.Compression);
            w.WriteString("container", f.Container);
            w.WriteBoolean("memory_mapped", f.MemoryMapped);
            w.WriteNumber("bytes_compressed", f.CompressedBytes);
            w.WriteNumber("bytes_decompressed", f.DecompressedBytes);
            w.WriteNumber("bytes_decompressed_consumed", f.DecompressedBytesConsumed);
            w.WriteNumber("records_framed", f.RecordsFramed);
            w.WriteNumber("records_parsed", f.RecordsParsed);
            w.WriteNumber("records_cleared_by_prefilter", f.RecordsCleared);
            w.WriteNumber("malformed", f.Malformed);
            w.WriteNumber("oversized", f.Oversized);
            if (f.Error is null) w.WriteNull("error"); else w.WriteString("error", f.Error);
            if (f.ErrorOffset is { } o) w.WriteNumber("error_offset", o); else w.WriteNull("error_offset");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
