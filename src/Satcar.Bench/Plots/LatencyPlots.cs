using System.Globalization;
using Satcar.Bench.Compare;
using Satcar.Bench.Measurement;
using Satcar.Bench.Statistics;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Satcar.Bench.Plots;

/// <summary>
/// The seed's pictures as PNG files: its gnuplot boxplot of ttime, wait and ttime − wait, and the time view that showed
/// the container overloading (every request's total time by start time, with a rolling p99).
/// </summary>
internal static class LatencyPlots
{
    public const int BoxplotWidth = 600;
    public const int BoxplotHeight = 480;
    public const int TimelineWidth = 1000;
    public const int TimelineHeight = 500;

    // ScottPlot's own default on Linux can land on a serif face; a sans face reads better in small chart labels.
    private static readonly Lazy<string?> s_sansFamily = new(() =>
    {
        var installed = SkiaSharp.SKFontManager.Default.GetFontFamilies();
        return new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica" }.FirstOrDefault(installed.Contains);
    });
    private static readonly Color s_boxFill = Color.FromHex("#1f77b4").WithAlpha(0.5);

    /// <summary>The files a single run's plots go to: DIR/boxplot.png and DIR/timeline.png, or PREFIX-boxplot.png ….</summary>
    public static (string Boxplot, string Timeline) PathsFor(string? directory, string? prefix) =>
        directory is not null
            ? (Path.Combine(directory, "boxplot.png"), Path.Combine(directory, "timeline.png"))
            : ($"{prefix}-boxplot.png", $"{prefix}-timeline.png");

    /// <summary>The seed's boxplot: whiskers at 1.5 IQR, no outliers, one box each for ttime, wait and ttime − wait.</summary>
    public static void WriteBoxplot(string path, RunSummary summary)
    {
        var completed = summary.Run.Samples.Where(s => s.Outcome == SampleOutcome.Completed).ToArray();
        var total = completed.Select(s => RunSummary.ToMs(s.TotalTicks)).ToArray();
        var wait = completed.Select(s => RunSummary.ToMs(s.WaitTicks)).ToArray();
        var network = completed.Select(s => RunSummary.ToMs(s.TotalTicks - s.WaitTicks)).ToArray();

        var plot = NewPlot();
        plot.Add.Boxes([ToBox(1, total), ToBox(2, wait), ToBox(3, network)]).FillColor = s_boxFill;
        plot.Axes.Bottom.SetTicks([1, 2, 3], ["ttime", "wait", "ttime − wait"]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.MinorTickStyle.Length = 0;
        plot.Axes.SetLimitsX(0.4, 3.6);
        plot.Axes.SetLimitsY(0, Math.Max(1e-3, new[] { total, wait, network }.Max(v => v.Length > 0 ? BoxStats.From(v).WhiskerHigh : 0)) * 1.1);
        plot.Title($"{Describe(summary)}");
        plot.YLabel("response time (ms)");
        plot.SavePng(path, BoxplotWidth, BoxplotHeight);
    }

    /// <summary>
    /// Total time of every request against its start (seconds into the run), on a log scale so the floor and the
    /// spikes show together, with a rolling p99 over the last few hundred requests; failures are red crosses.
    /// </summary>
    public static void WriteTimeline(string path, RunSummary summary)
    {
        var run = summary.Run;
        var completed = run.CompletedInTimeOrder();
        var seconds = completed.Select(s => RunSummary.ToMs(s.StartTimestamp - run.StartTimestamp) / 1000).ToArray();
        var totals = completed.Select(s => RunSummary.ToMs(s.TotalTicks)).ToArray();

        var plot = NewPlot();
        var points = plot.Add.Markers(seconds, totals.Select(Log).ToArray(), MarkerShape.FilledCircle, 3, Color.FromHex("#1f77b4").WithAlpha(0.35));
        points.LegendText = "total time of a request";

        var window = Math.Clamp(completed.Length / 20, 100, 2000);
        if (completed.Length >= 20)
        {
            window = Math.Min(window, completed.Length);
            var p99 = RollingPercentile.Compute(totals, window, 99);
            var step = Math.Max(1, p99.Length / 2000);
            var xs = new List<double>();
            var ys = new List<double>();
            for (var i = 0; i < p99.Length; i += step)
            {
                xs.Add(seconds[i + window - 1]);
                ys.Add(Log(p99[i]));
            }

            var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray(), Color.FromHex("#d62728"));
            line.LineWidth = 2;
            line.LegendText = $"p99 of the last {window} requests";
        }

        var failed = run.Samples.Where(s => s.Outcome == SampleOutcome.Failed).ToArray();
        if (failed.Length > 0)
        {
            var crosses = plot.Add.Markers(
                failed.Select(s => RunSummary.ToMs(s.StartTimestamp - run.StartTimestamp) / 1000).ToArray(),
                failed.Select(s => Log(RunSummary.ToMs(s.TotalTicks))).ToArray(),
                MarkerShape.Eks, 6, Color.FromHex("#d62728"));
            crosses.LegendText = $"failed ({failed.Length})";
        }

        UseLogScale(plot);
        plot.Title($"Total time by start time: {Describe(summary)}");
        plot.XLabel("seconds into the run");
        plot.YLabel("total time (ms, log scale)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, TimelineWidth, TimelineHeight);
    }

    /// <summary>One box per target (total time, all rounds pooled) with each round's mean as a dot on it.</summary>
    public static void WriteCompareBoxplot(string path, CompareResult result)
    {
        var plot = NewPlot();
        var boxes = new List<Box>();
        var maxWhisker = 0.0;
        for (var i = 0; i < result.Targets.Count; i++)
        {
            var name = result.Targets[i].Name;
            var pooled = result.Rounds.Where(r => r.Results.ContainsKey(name)).SelectMany(r => r.Results[name].TotalSortedMs).ToArray();
            if (pooled.Length == 0)
            {
                continue;
            }

            var box = ToBox(i + 1, pooled);
            maxWhisker = Math.Max(maxWhisker, box.WhiskerMax ?? 0);
            boxes.Add(box);
            var means = result.Rounds.Where(r => r.Results.ContainsKey(name)).Select(r => r.Results[name].Total.Mean).Where(double.IsFinite).ToArray();
            plot.Add.Markers(means.Select(_ => (double)(i + 1)).ToArray(), means, MarkerShape.FilledDiamond, 7, Colors.Black);
            maxWhisker = Math.Max(maxWhisker, means.DefaultIfEmpty(0).Max());
        }

        plot.Add.Boxes(boxes).FillColor = s_boxFill;
        plot.Axes.Bottom.SetTicks(
            [.. Enumerable.Range(1, result.Targets.Count).Select(i => (double)i)],
            [.. result.Targets.Select(t => t.Name == result.Baseline ? $"{t.Name} (baseline)" : t.Name)]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.SetLimitsX(0.4, result.Targets.Count + 0.6);
        plot.Axes.SetLimitsY(0, Math.Max(1e-3, maxWhisker) * 1.1);
        var first = result.Rounds.SelectMany(r => r.Results.Values).FirstOrDefault();
        plot.Title($"Total time per target, {result.Rounds.Count} rounds");
        plot.XLabel(first is null ? "no rounds" : $"each round: {Describe(first)}; ◆ = a round's mean");
        plot.YLabel("total time (ms)");
        plot.SavePng(path, Math.Max(BoxplotWidth, 160 * result.Targets.Count), BoxplotHeight);
    }

    private static Plot NewPlot()
    {
        var plot = new Plot();
        if (s_sansFamily.Value is { } family)
        {
            plot.Font.Set(family);
        }

        return plot;
    }

    private static Box ToBox(double position, IReadOnlyCollection<double> values)
    {
        var stats = BoxStats.From(values);
        return new Box
        {
            Position = position,
            WhiskerMin = stats.WhiskerLow,
            BoxMin = stats.Q1,
            BoxMiddle = stats.Median,
            BoxMax = stats.Q3,
            WhiskerMax = stats.WhiskerHigh,
            Width = 0.5,
        };
    }

    private static double Log(double milliseconds) => Math.Log10(Math.Max(milliseconds, 1e-3));

    private static void UseLogScale(Plot plot)
    {
        plot.Axes.Left.TickGenerator = new NumericAutomatic
        {
            MinorTickGenerator = new LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("0.###", CultureInfo.InvariantCulture),
        };
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.15);
        plot.Grid.MinorLineColor = Colors.Black.WithAlpha(0.05);
        plot.Grid.MinorLineWidth = 1;
    }

    private static string Describe(RunSummary summary)
    {
        var settings = summary.Run.Settings;
        var load = settings.Rate is { } rate
            ? $"{rate.ToString("0.##", CultureInfo.InvariantCulture)} requests/s"
            : $"{settings.Concurrency} concurrent";
        return $"{summary.Completed} requests, {load}{(settings.KeepAlive ? ", keep-alive" : "")}";
    }
}
