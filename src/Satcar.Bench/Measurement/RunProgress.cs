namespace Satcar.Bench.Measurement;

/// <summary>Counters a progress display polls while a run goes on.</summary>
internal sealed class RunProgress
{
    private long _done;

    public RunProgress(int total, TimeSpan? timeLimit)
    {
        Total = total;
        TimeLimit = timeLimit;
    }

    public int Total { get; }

    public TimeSpan? TimeLimit { get; }

    /// <summary>Requests that completed or failed.</summary>
    public long Done => Interlocked.Read(ref _done);

    public DateTimeOffset? StartedAt { get; private set; }

    internal void Started() => StartedAt = DateTimeOffset.UtcNow;

    internal void Finished() => Interlocked.Increment(ref _done);
}
