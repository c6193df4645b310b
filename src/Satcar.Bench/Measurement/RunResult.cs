using System.Diagnostics;

namespace Satcar.Bench.Measurement;

/// <summary>Everything one run measured, in the order the requests were issued (index = request number).</summary>
internal sealed class RunResult
{
    public required Uri Url { get; init; }

    public required LoadSettings Settings { get; init; }

    public required RequestSample[] Samples { get; init; }

    /// <summary>Wall-clock time at <see cref="StartTimestamp"/>, to date each request as ab's <c>-g</c> file does.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    public required long StartTimestamp { get; init; }

    /// <summary>ab's "Time taken for tests": from the start to the end of the last request.</summary>
    public required long ElapsedTicks { get; init; }

    public string? ServerSoftware { get; init; }

    public long? DocumentLength { get; init; }

    /// <summary>The first message seen for each failure reason, to show what it was.</summary>
    public required IReadOnlyDictionary<FailureReason, string> FailureExamples { get; init; }

    public double ElapsedSeconds => (double)ElapsedTicks / Stopwatch.Frequency;

    /// <summary>Wall-clock time of a Stopwatch timestamp taken during the run.</summary>
    public DateTimeOffset WallClock(long timestamp) =>
        StartedAt.AddTicks((long)((timestamp - StartTimestamp) * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency)));

    /// <summary>The completed requests (any status) in the order they started.</summary>
    public RequestSample[] CompletedInTimeOrder()
    {
        var completed = Samples.Where(s => s.Outcome == SampleOutcome.Completed).ToArray();
        Array.Sort(completed, static (a, b) => a.StartTimestamp.CompareTo(b.StartTimestamp));
        return completed;
    }
}
