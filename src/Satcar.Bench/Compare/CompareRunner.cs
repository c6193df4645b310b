using Satcar.Bench.Measurement;
using Satcar.Bench.Statistics;

namespace Satcar.Bench.Compare;

/// <summary>One round: the order the targets ran in and what each measured.</summary>
internal sealed record CompareRound(int Number, IReadOnlyList<string> Order, IReadOnlyDictionary<string, RunSummary> Results);

/// <summary>
/// Several targets measured in one run, interleaved (performance.md §6.1): every round runs each target once, in a
/// new shuffled order, so drift on a shared machine spreads over all targets instead of favouring one.
/// </summary>
internal static class CompareRunner
{
    /// <summary>Called before each measurement: round number, target name, and the progress counters of that run.</summary>
    public delegate void MeasurementStarting(int round, string target, RunProgress progress);

    public static async Task<CompareResult> RunAsync(
        IReadOnlyList<CompareTarget> targets,
        string baseline,
        int rounds,
        RequestTemplate template,
        LoadSettings settings,
        Random random,
        MeasurementStarting? starting = null,
        CancellationToken cancellationToken = default)
    {
        // Warm every target once, before any measurement, rather than before every run.
        if (settings.Warmup > 0)
        {
            foreach (var target in targets)
            {
                await LoadRunner.RunAsync(template.WithUrl(target.Url), settings with { Requests = settings.Warmup, Rate = null, TimeLimit = null, Warmup = 0, Concurrency = Math.Min(settings.Concurrency, settings.Warmup) }, null, cancellationToken);
            }
        }

        var measured = settings with { Warmup = 0 };
        var results = new List<CompareRound>();
        for (var round = 1; round <= rounds && !cancellationToken.IsCancellationRequested; round++)
        {
            var order = targets.Select(t => t.Name).ToArray();
            random.Shuffle(order);
            var byName = new Dictionary<string, RunSummary>();
            foreach (var name in order)
            {
                var target = targets.First(t => t.Name == name);
                var progress = new RunProgress(measured.Requests, measured.TimeLimit);
                starting?.Invoke(round, name, progress);
                var run = await LoadRunner.RunAsync(template.WithUrl(target.Url), measured, progress, cancellationToken);
                byName[name] = RunSummary.From(run);
            }

            results.Add(new CompareRound(round, order, byName));
        }

        return new CompareResult(targets, baseline, results);
    }
}
