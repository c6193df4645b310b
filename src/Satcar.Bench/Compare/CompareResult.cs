using Satcar.Bench.Statistics;

namespace Satcar.Bench.Compare;

/// <summary>
/// What a compare run found for one target over all rounds: medians over rounds of the round's mean, p50 and p99
/// total time (with the spread of the means), and, next to the baseline, the medians over rounds of the difference
/// (added latency) and of the ratio taken within each round.
/// </summary>
internal sealed record CompareTargetSummary(
    string Name,
    Uri Url,
    double MedianMeanMs,
    double MinMeanMs,
    double MaxMeanMs,
    double MedianP50Ms,
    double MedianP99Ms,
    double MedianRequestsPerSecond,
    double AddedMeanMs,
    double AddedP50Ms,
    double AddedP99Ms,
    double MeanRatio,
    double P50Ratio,
    double P99Ratio,
    int Completed,
    int Failed,
    int Non2xx);

/// <summary>The rounds of a compare run and the per-target medians, added latency and ratios computed from them.</summary>
internal sealed class CompareResult(IReadOnlyList<CompareTarget> targets, string baseline, IReadOnlyList<CompareRound> rounds)
{
    public IReadOnlyList<CompareTarget> Targets { get; } = targets;

    public string Baseline { get; } = baseline;

    public IReadOnlyList<CompareRound> Rounds { get; } = rounds;

    public bool AnyFailed => Rounds.Any(r => r.Results.Values.Any(s => s.Failed > 0 || s.Completed == 0));

    public IReadOnlyList<CompareTargetSummary> Summarise() => [.. Targets.Select(Summarise)];

    private CompareTargetSummary Summarise(CompareTarget target)
    {
        var own = Rounds.Where(r => r.Results.ContainsKey(target.Name)).Select(r => r.Results[target.Name]).ToList();
        var paired = Rounds.Where(r => r.Results.ContainsKey(target.Name) && r.Results.ContainsKey(Baseline))
            .Select(r => (Target: r.Results[target.Name].Total, Base: r.Results[Baseline].Total))
            .ToList();
        var means = own.Select(s => s.Total.Mean).Where(double.IsFinite).ToArray();
        return new CompareTargetSummary(
            target.Name,
            target.Url,
            MedianOf(means),
            means.Length > 0 ? means.Min() : double.NaN,
            means.Length > 0 ? means.Max() : double.NaN,
            MedianOf(own.Select(s => s.Total.P50)),
            MedianOf(own.Select(s => s.Total.P99)),
            MedianOf(own.Select(s => s.RequestsPerSecond)),
            MedianOf(paired.Select(p => p.Target.Mean - p.Base.Mean)),
            MedianOf(paired.Select(p => p.Target.P50 - p.Base.P50)),
            MedianOf(paired.Select(p => p.Target.P99 - p.Base.P99)),
            MedianOf(paired.Select(p => p.Target.Mean / p.Base.Mean)),
            MedianOf(paired.Select(p => p.Target.P50 / p.Base.P50)),
            MedianOf(paired.Select(p => p.Target.P99 / p.Base.P99)),
            own.Sum(s => s.Completed),
            own.Sum(s => s.Failed),
            own.Sum(s => s.Non2xx));
    }

    /// <summary>The median of the finite values, or NaN when there are none.</summary>
    public static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).ToArray();
        Array.Sort(sorted);
        return Descriptive.Median(sorted);
    }
}
