namespace HuntEngine.Matching;

/// <summary>A half-open window [From, To) in UTC milliseconds; either end may be open (spec §3).</summary>
public readonly record struct TimeWindow(long? FromMs, long? ToMs)
{
    public bool Contains(long ms) => (FromMs is not { } f || ms >= f) && (ToMs is not { } t || ms < t);
}
