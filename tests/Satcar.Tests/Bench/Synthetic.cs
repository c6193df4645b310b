using System.Diagnostics;
using Satcar.Bench.Measurement;

namespace Satcar.Tests.Bench;

/// <summary>Runs made up from known times, for the writers, statistics and plots.</summary>
internal static class Synthetic
{
    public static long Ticks(double milliseconds) => (long)Math.Round(milliseconds * Stopwatch.Frequency / 1000.0);

    public static RequestSample Completed(double startMs, double connectMs, double waitMs, double totalMs, short status = 200) => new()
    {
        Outcome = SampleOutcome.Completed,
        Status = status,
        StartTimestamp = 1_000_000 + Ticks(startMs),
        ConnectTicks = Ticks(connectMs),
        WaitTicks = Ticks(waitMs),
        TotalTicks = Ticks(totalMs),
        KeptAlive = connectMs == 0,
        ReusedConnection = connectMs == 0,
        WireBytes = 100,
        BodyBytes = 2,
    };

    public static RequestSample Failed(double startMs, double totalMs, FailureReason reason) => new()
    {
        Outcome = SampleOutcome.Failed,
        Failure = reason,
        StartTimestamp = 1_000_000 + Ticks(startMs),
        TotalTicks = Ticks(totalMs),
    };

    public static RunResult Run(RequestSample[] samples, DateTimeOffset? startedAt = null, LoadSettings? settings = null) => new()
    {
        Url = new Uri("http://127.0.0.1:5000/v1.0/healthz"),
        Settings = settings ?? new LoadSettings { Requests = samples.Length, Concurrency = 1, KeepAlive = true },
        Samples = samples,
        StartedAt = startedAt ?? new DateTimeOffset(2026, 11, 5, 9, 7, 3, TimeSpan.Zero),
        StartTimestamp = 1_000_000,
        ElapsedTicks = samples.Length == 0 ? 1 : samples.Max(s => s.StartTimestamp + s.TotalTicks) - 1_000_000,
        FailureExamples = samples.Where(s => s.Outcome == SampleOutcome.Failed).Select(s => s.Failure).Distinct().ToDictionary(r => r, r => $"example of {r}"),
    };

    /// <summary>A run of <paramref name="count"/> requests around 0.1 ms with a slow stretch in the middle.</summary>
    public static RunResult Overloaded(int count)
    {
        var random = new Random(7);
        var samples = new RequestSample[count];
        var start = 0.0;
        for (var i = 0; i < count; i++)
        {
            var slow = i > count * 0.4 && i < count * 0.6;
            var total = (slow ? 2.0 : 0.08) + (random.NextDouble() * (slow ? 8 : 0.05));
            var wait = total * 0.8;
            samples[i] = i == count / 3 ? Failed(start, 1.5, FailureReason.Reset) : Completed(start, i == 0 ? 0.2 : 0, wait, total);
            start += total + 0.01;
        }

        return Run(samples);
    }
}
