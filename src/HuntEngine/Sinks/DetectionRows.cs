namespace HuntEngine.Sinks;

/// <summary>A streaming writer of detection rows (<c>--stdout ndjson|csv</c>).</summary>
public interface IDetectionRowWriter
{
    void Write(Detection detection);
    void Flush();
}

internal static class DetectionRows
{
    /// <summary>Every detection in order, checking for cancellation every 1024 rows, then a flush.</summary>
    public static void WriteAll(IDetectionRowWriter writer, IReadOnlyList<Detection> detections, CancellationToken cancel)
    {
        for (int i = 0; i < detections.Count; i++)
        {
            if ((i & 1023) == 0) cancel.ThrowIfCancellationRequested();
            writer.Write(detections[i]);
        }
        writer.Flush();
    }
}
