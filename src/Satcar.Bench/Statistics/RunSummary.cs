using System.Diagnostics;
using Satcar.Bench.Measurement;

namespace Satcar.Bench.Statistics;

/// <summary>How often one failure reason occurred, with the first message seen for it.</summary>
internal sealed record FailureCount(FailureReason Reason, int Count, string Example);

/// <summary>The figures ab prints for a run, at microsecond resolution, plus the failure reasons and rate figures.</summary>
internal sealed class RunSummary
{
    public required RunResult Run { get; init; }

    public int Sent { get; init; }

    /// <summary>Responses received in full, whatever their status (ab's "Complete requests").</summary>
    public int Completed { get; init; }

    public int Failed { get; init; }

    public int Non2xx { get; init; }

    /// <summary>Completed requests after which the connection stayed open (ab's "Keep-Alive requests").</summary>
    public int KeepAliveRequests { get; init; }

    /// <summary>In flight when the time limit or Ctrl-C ended the run.</summary>
    public int Abandoned { get; init; }

    /// <summary>With <c>--rate</c>: requests that left more than <see cref="RateSchedule.LateThreshold"/> after their due time.</summary>
    public int Late { get; init; }

    public double TimeTakenSeconds { get; init; }

    public double RequestsPerSecond { get; init; }

    /// <summary>ab's "Time per request (mean)": concurrency × time taken / completed.</summary>
    public double TimePerRequestMs { get; init; }

    /// <summary>ab's "Time per request (mean, across all concurrent requests)": time taken / completed.</summary>
    public double TimePerRequestAcrossMs { get; init; }

    public long WireBytes { get; init; }

    public long BodyBytes { get; init; }

    public required SeriesStats Connect { get; init; }

    public required SeriesStats Processing { get; init; }

    public required SeriesStats Waiting { get; init; }

    public required SeriesStats Total { get; init; }

    /// <summary>With <c>--rate</c>: how late requests left against their schedule.</summary>
    public SeriesStats? SendLag { get; init; }

    /// <summary>Total times of the completed requests in ms, sorted, for ab's percentile rules.</summary>
    public required double[] TotalSortedMs { get; init; }

    public required IReadOnlyList<FailureCount> Failures { get; init; }

    public static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public static RunSummary From(RunResult run)
    {
        var completed = run.Samples.Where(s => s.Outcome == SampleOutcome.Completed).ToArray();
        var failed = run.Samples.Where(s => s.Outcome == SampleOutcome.Failed).ToArray();
        var totals = completed.Select(s => ToMs(s.TotalTicks)).ToArray();
        Array.Sort(totals);
        var seconds = run.ElapsedSeconds;
        var concurrency = Math.Min(run.Settings.Concurrency, run.Samples.Length);
        RateSchedule? schedule = run.Settings.Rate is { } rate ? new RateSchedule(rate, Stopwatch.Frequency) : null;
        var sent = run.Samples.Where(s => s.Outcome is SampleOutcome.Completed or SampleOutcome.Failed or SampleOutcome.Abandoned).ToArray();
        return new RunSummary
        {
            Run = run,
            Sent = sent.Length,
            Completed = completed.Length,
            Failed = failed.Length,
            Non2xx = completed.Count(s => s.IsNon2xx),
            KeepAliveRequests = completed.Count(s => s.KeptAlive),
            Abandoned = run.Samples.Count(s => s.Outcome == SampleOutcome.Abandoned),
            Late = schedule is { } plan ? sent.Count(s => plan.IsLate(s.SendLagTicks)) : 0,
            TimeTakenSeconds = seconds,
            RequestsPerSecond = seconds > 0 ? completed.Length / seconds : 0,
            TimePerRequestMs = completed.Length > 0 ? concurrency * seconds * 1000 / completed.Length : double.NaN,
            TimePerRequestAcrossMs = completed.Length > 0 ? seconds * 1000 / completed.Length : double.NaN,
            WireBytes = completed.Sum(s => s.WireBytes),
            BodyBytes = completed.Sum(s => s.BodyBytes),
            Connect = SeriesStats.From(completed.Select(s => ToMs(s.ConnectTicks)).ToArray()),
            Processing = SeriesStats.From(completed.Select(s => ToMs(s.ProcessingTicks)).ToArray()),
            Waiting = SeriesStats.From(completed.Select(s => ToMs(s.WaitTicks)).ToArray()),
            Total = SeriesStats.FromSorted(totals),
            SendLag = schedule is null ? null : SeriesStats.From(sent.Select(s => ToMs(s.SendLagTicks)).ToArray()),
            TotalSortedMs = totals,
            Failures = [.. failed
                .GroupBy(s => s.Failure)
                .OrderByDescending(g => g.Count())
                .Select(g => new FailureCount(g.Key, g.Count(), run.FailureExamples.GetValueOrDefault(g.Key, "")))],
        };
    }
}
