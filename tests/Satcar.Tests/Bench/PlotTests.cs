using System.Buffers.Binary;
using Satcar.Bench.Compare;
using Satcar.Bench.Plots;
using Satcar.Bench.Statistics;
using Satcar.Testing;

namespace Satcar.Tests.Bench;

public sealed class PlotTests
{
    private static readonly byte[] s_pngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static (int Width, int Height) AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 2000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(s_pngSignature, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void Boxplot_and_timeline_are_pngs_of_the_expected_size()
    {
        using var folder = new TempDirectory();
        var summary = RunSummary.From(Synthetic.Overloaded(2_000));
        var (boxplot, timeline) = LatencyPlots.PathsFor(folder.Path, null);
        LatencyPlots.WriteBoxplot(boxplot, summary);
        LatencyPlots.WriteTimeline(timeline, summary);
        Assert.Equal((LatencyPlots.BoxplotWidth, LatencyPlots.BoxplotHeight), AssertPng(boxplot));
        Assert.Equal((LatencyPlots.TimelineWidth, LatencyPlots.TimelineHeight), AssertPng(timeline));
    }

    [Fact]
    public void Plot_prefix_names_the_files()
    {
        Assert.Equal(("out/run1-boxplot.png", "out/run1-timeline.png"), LatencyPlots.PathsFor(null, "out/run1"));
        Assert.Equal((Path.Combine("plots", "boxplot.png"), Path.Combine("plots", "timeline.png")), LatencyPlots.PathsFor("plots", null));
    }

    [Fact]
    public void A_run_with_a_single_request_or_none_still_plots()
    {
        using var folder = new TempDirectory();
        foreach (var (name, run) in new[] { ("one", Synthetic.Run([Synthetic.Completed(0, 0, 0.1, 0.2)])), ("none", Synthetic.Run([])) })
        {
            var summary = RunSummary.From(run);
            LatencyPlots.WriteBoxplot(Path.Combine(folder.Path, $"{name}-box.png"), summary);
            LatencyPlots.WriteTimeline(Path.Combine(folder.Path, $"{name}-time.png"), summary);
            AssertPng(Path.Combine(folder.Path, $"{name}-box.png"));
            AssertPng(Path.Combine(folder.Path, $"{name}-time.png"));
        }
    }

    [Fact]
    public void Compare_boxplot_has_one_box_per_target()
    {
        using var folder = new TempDirectory();
        var targets = new[] { new CompareTarget("direct", new Uri("http://127.0.0.1:1/")), new CompareTarget("link", new Uri("http://127.0.0.1:2/")) };
        var rounds = Enumerable.Range(1, 3).Select(r => new CompareRound(r, ["link", "direct"], new Dictionary<string, RunSummary>
        {
            ["direct"] = RunSummary.From(Synthetic.Overloaded(200)),
            ["link"] = RunSummary.From(Synthetic.Overloaded(300)),
        })).ToList();
        var path = Path.Combine(folder.Path, "compare.png");
        LatencyPlots.WriteCompareBoxplot(path, new CompareResult(targets, "direct", rounds));
        Assert.Equal((LatencyPlots.BoxplotWidth, LatencyPlots.BoxplotHeight), AssertPng(path));
    }

    [Fact]
    public void Box_whiskers_stop_at_the_last_value_within_one_and_a_half_iqr()
    {
        var box = BoxStats.From([1, 2, 3, 4, 5, 6, 7, 8, 100]);
        Assert.Equal(3, box.Q1);
        Assert.Equal(5, box.Median);
        Assert.Equal(7, box.Q3);
        Assert.Equal(1, box.WhiskerLow);
        Assert.Equal(8, box.WhiskerHigh);
    }

    [Fact]
    public void Rolling_p99_follows_a_trailing_window()
    {
        double[] values = [1, 2, 3, 4, 100, 5, 6, 7, 8, 9];
        Assert.Equal([100, 100, 100, 100, 100, 9], RollingPercentile.Compute(values, 5, 99));
        Assert.Equal([3, 4, 5, 6, 7, 7], RollingPercentile.Compute(values, 5, 50));
        Assert.Empty(RollingPercentile.Compute(values, 11, 99));
    }
}
