namespace Satcar.Bench.Measurement;

/// <summary>
/// The send plan of an open-loop run (<c>--rate</c>, as wrk2's <c>-R</c>): request <c>i</c> is due
/// <c>i / rate</c> seconds after the start, whatever happened to the requests before it. Latency is measured from the
/// due time, so a stalled server shows in every request it delayed instead of silently lowering the send rate.
/// </summary>
internal readonly record struct RateSchedule(double RequestsPerSecond, long TicksPerSecond)
{
    /// <summary>A request sent more than this after its due time counts as not sent on time.</summary>
    public static readonly TimeSpan LateThreshold = TimeSpan.FromMilliseconds(1);

    /// <summary>Ticks from the start of the run to the due time of request <paramref name="index"/>.</summary>
    public long DueOffset(long index) => (long)Math.Round(index * (double)TicksPerSecond / RequestsPerSecond);

    /// <summary>Ticks between two consecutive requests (fractional).</summary>
    public double IntervalTicks => TicksPerSecond / RequestsPerSecond;

    public bool IsLate(long lagTicks) => lagTicks > LateThreshold.TotalSeconds * TicksPerSecond;

    /// <summary>How many requests fall due strictly before <paramref name="duration"/> has passed (at least one).</summary>
    public static int RequestsWithin(double requestsPerSecond, TimeSpan duration)
    {
        var due = Math.Ceiling(requestsPerSecond * duration.TotalSeconds - 1e-9);
        return (int)Math.Clamp(due, 1, int.MaxValue);
    }
}
