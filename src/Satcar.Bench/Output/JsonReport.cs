using System.Text.Json;
using System.Text.Json.Serialization;
using Satcar.Bench.Compare;
using Satcar.Bench.Measurement;
using Satcar.Bench.Statistics;

namespace Satcar.Bench.Output;

/// <summary>Min, mean, sd, median, max and interpolated percentiles in ms; null where there were no samples.</summary>
internal sealed record StatsJson(int Count, double? Min, double? Mean, double? Sd, double? Median, double? Max, double? P50, double? P90, double? P99, double? P999)
{
    public static StatsJson From(SeriesStats s) =>
        new(s.Count, N(s.Min), N(s.Mean), N(s.StdDev), N(s.Median), N(s.Max), N(s.P50), N(s.P90), N(s.P99), N(s.P999));

    internal static double? N(double value) => double.IsFinite(value) ? Math.Round(value, 6) : null;
}

internal sealed record ConnectionTimesJson(StatsJson Connect, StatsJson Processing, StatsJson Waiting, StatsJson Total);

internal sealed record FailureJson(string Reason, int Count, string Example);

/// <summary>One request: start in ms from the start of the run (the scheduled time with --rate) and its times in ms.</summary>
internal sealed record SampleJson(
    int Index, string Outcome, double StartMs, double? ConnectMs, double? ProcessingMs, double? WaitMs, double? TotalMs,
    int? Status, string? Failure, double? SendLagMs, bool? ReusedConnection);

internal sealed record RunJson(
    string Url,
    string Method,
    int Requests,
    int Concurrency,
    bool KeepAlive,
    double? TimeLimitSeconds,
    double TimeoutSeconds,
    double? Rate,
    string StartedAt,
    string? ServerSoftware,
    long? DocumentLength,
    int Sent,
    int Completed,
    int Failed,
    int Non2xx,
    int KeepAliveRequests,
    int Abandoned,
    int? Late,
    double TimeTakenSeconds,
    double RequestsPerSecond,
    double? TimePerRequestMs,
    double? TimePerRequestAcrossMs,
    long WireBytes,
    long BodyBytes,
    ConnectionTimesJson ConnectionTimesMs,
    StatsJson? SendLagMs,
    IReadOnlyDictionary<string, double> AbPercentilesMs,
    IReadOnlyList<FailureJson> Failures,
    IReadOnlyList<SampleJson>? Samples);

internal sealed record CompareRoundTargetJson(string Name, double? MeanMs, double? P50Ms, double? P99Ms, double RequestsPerSecond, int Completed, int Failed, int Non2xx);

internal sealed record CompareRoundJson(int Round, IReadOnlyList<string> Order, IReadOnlyList<CompareRoundTargetJson> Targets);

internal sealed record CompareTargetJson(
    string Name, string Url, bool Baseline, double? MedianMeanMs, double? MinMeanMs, double? MaxMeanMs, double? MedianP50Ms, double? MedianP99Ms,
    double? MedianRequestsPerSecond, double? AddedMeanMs, double? AddedP50Ms, double? AddedP99Ms, double? MeanRatio, double? P50Ratio, double? P99Ratio,
    int Completed, int Failed, int Non2xx, IReadOnlyList<FailureJson> Failures);

internal sealed record CompareJson(string Baseline, int Rounds, string Method, int Requests, int Concurrency, bool KeepAlive, double? Rate,
    IReadOnlyList<CompareRoundJson> RoundResults, IReadOnlyList<CompareTargetJson> Targets);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunJson))]
[JsonSerializable(typeof(CompareJson))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;

/// <summary>The <c>--json</c> output: everything the text report says, plus every request (single runs).</summary>
internal static class JsonReport
{
    public static string Serialize(RunSummary summary, string method, bool includeSamples = true) =>
        JsonSerializer.Serialize(ToJson(summary, method, includeSamples), BenchJsonContext.Default.RunJson);

    public static string Serialize(CompareResult result, string method) =>
        JsonSerializer.Serialize(ToJson(result, method), BenchJsonContext.Default.CompareJson);

    public static RunJson ToJson(RunSummary s, string method, bool includeSamples)
    {
        var run = s.Run;
        var settings = run.Settings;
        return new RunJson(
            run.Url.ToString(),
            method,
            settings.Requests,
            settings.Concurrency,
            settings.KeepAlive,
            settings.TimeLimit?.TotalSeconds,
            settings.Timeout.TotalSeconds,
            settings.Rate,
            run.StartedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture),
            run.ServerSoftware,
            run.DocumentLength,
            s.Sent,
            s.Completed,
            s.Failed,
            s.Non2xx,
            s.KeepAliveRequests,
            s.Abandoned,
            settings.Rate is null ? null : s.Late,
            Math.Round(s.TimeTakenSeconds, 6),
            Math.Round(s.RequestsPerSecond, 3),
            StatsJson.N(s.TimePerRequestMs),
            StatsJson.N(s.TimePerRequestAcrossMs),
            s.WireBytes,
            s.BodyBytes,
            new ConnectionTimesJson(StatsJson.From(s.Connect), StatsJson.From(s.Processing), StatsJson.From(s.Waiting), StatsJson.From(s.Total)),
            s.SendLag is { } lag ? StatsJson.From(lag) : null,
            s.TotalSortedMs.Length == 0
                ? new Dictionary<string, double>()
                : Percentiles.AbTablePercentages.ToDictionary(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture), p => Math.Round(Percentiles.AbTable(s.TotalSortedMs, p), 6)),
            [.. s.Failures.Select(f => new FailureJson(f.Reason.Label(), f.Count, f.Example))],
            includeSamples ? Samples(run) : null);
    }

    private static List<SampleJson> Samples(RunResult run)
    {
        var list = new List<SampleJson>(run.Samples.Length);
        for (var i = 0; i < run.Samples.Length; i++)
        {
            var x = run.Samples[i];
            if (x.Outcome == SampleOutcome.NotSent)
            {
                continue;
            }

            var completed = x.Outcome == SampleOutcome.Completed;
            var failed = x.Outcome == SampleOutcome.Failed;
            list.Add(new SampleJson(
                i,
                x.Outcome.ToString().ToLowerInvariant(),
                Ms(x.StartTimestamp - run.StartTimestamp),
                completed || failed ? Ms(x.ConnectTicks) : null,
                completed ? Ms(x.ProcessingTicks) : null,
                completed ? Ms(x.WaitTicks) : null,
                completed || failed ? Ms(x.TotalTicks) : null,
                completed ? x.Status : null,
                failed ? x.Failure.Label() : null,
                run.Settings.Rate is null ? null : Ms(x.SendLagTicks),
                completed ? x.ReusedConnection : null));
        }

        return list;
    }

    public static CompareJson ToJson(CompareResult result, string method)
    {
        var settings = result.Rounds.SelectMany(r => r.Results.Values).Select(s => s.Run.Settings).FirstOrDefault() ?? new LoadSettings();
        var rounds = result.Rounds.Select(r => new CompareRoundJson(
            r.Number,
            r.Order,
            [.. r.Order.Select(name =>
            {
                var s = r.Results[name];
                return new CompareRoundTargetJson(name, StatsJson.N(s.Total.Mean), StatsJson.N(s.Total.P50), StatsJson.N(s.Total.P99), Math.Round(s.RequestsPerSecond, 3), s.Completed, s.Failed, s.Non2xx);
            })])).ToList();
        var targets = result.Summarise().Select(t => new CompareTargetJson(
            t.Name, t.Url.ToString(), t.Name == result.Baseline,
            StatsJson.N(t.MedianMeanMs), StatsJson.N(t.MinMeanMs), StatsJson.N(t.MaxMeanMs), StatsJson.N(t.MedianP50Ms), StatsJson.N(t.MedianP99Ms),
            StatsJson.N(t.MedianRequestsPerSecond), StatsJson.N(t.AddedMeanMs), StatsJson.N(t.AddedP50Ms), StatsJson.N(t.AddedP99Ms),
            StatsJson.N(t.MeanRatio), StatsJson.N(t.P50Ratio), StatsJson.N(t.P99Ratio), t.Completed, t.Failed, t.Non2xx,
            [.. result.Rounds.Where(r => r.Results.ContainsKey(t.Name)).SelectMany(r => r.Results[t.Name].Failures)
                .GroupBy(f => f.Reason).Select(g => new FailureJson(g.Key.Label(), g.Sum(f => f.Count), g.First().Example))])).ToList();
        return new CompareJson(result.Baseline, result.Rounds.Count, method, settings.Requests, settings.Concurrency, settings.KeepAlive, settings.Rate, rounds, targets);
    }

    private static double Ms(long ticks) => Math.Round(RunSummary.ToMs(ticks), 6);
}
