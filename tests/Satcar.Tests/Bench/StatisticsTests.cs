using Satcar.Bench.Statistics;

namespace Satcar.Tests.Bench;

public sealed class StatisticsTests
{
    private static readonly double[] s_textbook = [15, 20, 35, 40, 50];
    private static readonly double[] s_oneToTen = [.. Enumerable.Range(1, 10).Select(i => (double)i)];
    private static readonly double[] s_oneToHundred = [.. Enumerable.Range(1, 100).Select(i => (double)i)];

    [Theory]
    [InlineData(0, 15)]
    [InlineData(40, 29)]
    [InlineData(50, 35)]
    [InlineData(90, 46)]
    [InlineData(99.9, 49.96)]
    [InlineData(100, 50)]
    public void Interpolated_percentiles_follow_the_closest_ranks_rule(double percent, double expected)
    {
        Assert.Equal(expected, Percentiles.Interpolated(s_textbook, percent), 9);
    }

    [Fact]
    public void Interpolated_percentiles_match_numpy_on_one_to_ten()
    {
        Assert.Equal(5.5, Percentiles.Interpolated(s_oneToTen, 50), 9);
        Assert.Equal(9.1, Percentiles.Interpolated(s_oneToTen, 90), 9);
        Assert.Equal(9.91, Percentiles.Interpolated(s_oneToTen, 99), 9);
        Assert.Equal(3.25, Percentiles.Interpolated(s_oneToTen, 25), 9);
    }

    [Fact]
    public void Ab_table_takes_the_value_at_n_times_p_over_100()
    {
        Assert.Equal(51, Percentiles.AbTable(s_oneToHundred, 50));
        Assert.Equal(67, Percentiles.AbTable(s_oneToHundred, 66));
        Assert.Equal(100, Percentiles.AbTable(s_oneToHundred, 99));
        Assert.Equal(100, Percentiles.AbTable(s_oneToHundred, 100));
        Assert.Equal(7, Percentiles.AbTable(s_oneToTen, 66));
        Assert.Equal(10, Percentiles.AbTable(s_oneToTen, 99));
    }

    [Fact]
    public void Ab_csv_rounds_the_index_and_pins_0_and_100_to_the_extremes()
    {
        Assert.Equal(1, Percentiles.AbCsv(s_oneToHundred, 0));
        Assert.Equal(2, Percentiles.AbCsv(s_oneToHundred, 1));
        Assert.Equal(51, Percentiles.AbCsv(s_oneToHundred, 50));
        Assert.Equal(100, Percentiles.AbCsv(s_oneToHundred, 99));
        Assert.Equal(100, Percentiles.AbCsv(s_oneToHundred, 100));
        Assert.Equal(4, Percentiles.AbCsv(s_oneToTen, 25));
        Assert.Equal(10, Percentiles.AbCsv(s_oneToTen, 96));
    }

    [Fact]
    public void Ab_csv_does_not_read_past_the_end_for_a_single_request()
    {
        double[] one = [0.123];
        Assert.All(Enumerable.Range(0, 101), p => Assert.Equal(0.123, Percentiles.AbCsv(one, p)));
        Assert.Equal(0.123, Percentiles.AbTable(one, 50));
        Assert.Equal(0.123, Percentiles.Interpolated(one, 99.9));
    }

    [Fact]
    public void Empty_input_gives_no_number_rather_than_an_exception()
    {
        Assert.True(double.IsNaN(Percentiles.Interpolated([], 50)));
        Assert.True(double.IsNaN(Percentiles.AbTable([], 50)));
        Assert.True(double.IsNaN(Percentiles.AbCsv([], 50)));
        Assert.Equal(0, SeriesStats.From([]).Count);
    }

    [Fact]
    public void Series_stats_use_the_sample_standard_deviation_as_ab()
    {
        var stats = SeriesStats.From([50, 15, 40, 20, 35]);
        Assert.Equal(5, stats.Count);
        Assert.Equal(15, stats.Min);
        Assert.Equal(32, stats.Mean, 9);
        Assert.Equal(Math.Sqrt(830 / 4.0), stats.StdDev, 9);
        Assert.Equal(35, stats.Median);
        Assert.Equal(50, stats.Max);
        Assert.Equal(35, stats.P50);
        Assert.Equal(46, stats.P90, 9);
    }

    [Fact]
    public void Median_of_an_even_count_is_the_mean_of_the_middle_pair()
    {
        Assert.Equal(2.5, Descriptive.Median([1, 2, 3, 4]));
        Assert.Equal(2, Descriptive.Median([1, 2, 3]));
        Assert.Equal(0, Descriptive.SampleStdDev([7], 7));
    }

    [Fact]
    public void Summary_follows_ab_formulas_for_processing_and_time_per_request()
    {
        var run = Synthetic.Run(
        [
            Synthetic.Completed(0, 0.2, 0.5, 1.0),
            Synthetic.Completed(2, 0, 0.25, 0.5),
            Synthetic.Completed(4, 0, 1.0, 2.0, status: 503),
            Synthetic.Failed(6, 0.3, Satcar.Bench.Measurement.FailureReason.Reset),
        ]);
        var summary = RunSummary.From(run);
        Assert.Equal(3, summary.Completed);
        Assert.Equal(1, summary.Failed);
        Assert.Equal(1, summary.Non2xx);
        Assert.Equal(2, summary.KeepAliveRequests);
        Assert.Equal((0.8 + 0.5 + 2.0) / 3, summary.Processing.Mean, 6);
        Assert.Equal(3.5 / 3, summary.Total.Mean, 6);
        Assert.Equal(0.2 / 3, summary.Connect.Mean, 6);
        Assert.Equal([0.5, 1.0, 2.0], summary.TotalSortedMs.Select(v => Math.Round(v, 6)));
        Assert.Equal(summary.TimeTakenSeconds * 1000 / 3, summary.TimePerRequestMs, 6);
        var failure = Assert.Single(summary.Failures);
        Assert.Equal(Satcar.Bench.Measurement.FailureReason.Reset, failure.Reason);
        Assert.Equal(1, failure.Count);
    }
}
