using System.Globalization;
using Satcar.Bench.Measurement;
using Satcar.Bench.Output;
using Satcar.Bench.Statistics;

namespace Satcar.Tests.Bench;

public sealed class OutputFileTests
{
    private static string WriteGnuplot(RunResult run)
    {
        using var writer = new StringWriter();
        GnuplotWriter.Write(writer, run, TimeZoneInfo.Utc);
        return writer.ToString();
    }

    /// <summary>Reads column <paramref name="column"/> (1-based) the way gnuplot does: fields split on blanks, lines that lack it skipped.</summary>
    private static List<double> GnuplotColumn(string text, int column)
    {
        var values = new List<double>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= column && double.TryParse(fields[column - 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                values.Add(value);
            }
        }

        return values;
    }

    [Fact]
    public void Gnuplot_file_has_abs_header_and_columns_with_fractional_milliseconds()
    {
        var run = Synthetic.Run([Synthetic.Completed(0, 0.25, 0.0626, 0.5)]);
        var lines = WriteGnuplot(run).Split('\n');
        Assert.Equal("starttime\tseconds\tctime\tdtime\tttime\twait", lines[0]);
        var fields = lines[1].Split('\t');
        Assert.Equal(6, fields.Length);
        Assert.Equal("Thu Nov 05 09:07:03 2026", fields[0]);
        Assert.Equal(new DateTimeOffset(2026, 11, 5, 9, 7, 3, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), fields[1]);
        Assert.Equal(["0.250", "0.250", "0.500", "0.063"], fields[2..]);
        Assert.Equal("", lines[^1]);
        Assert.DoesNotContain('\r', string.Join("", lines));
    }

    [Fact]
    public void Gnuplot_rows_are_in_start_order_not_sorted_by_total_time()
    {
        var run = Synthetic.Run(
        [
            Synthetic.Completed(3000, 0, 0.1, 0.3),
            Synthetic.Completed(1000, 0, 4.0, 5.0),
            Synthetic.Failed(1500, 1.0, FailureReason.Timeout),
            Synthetic.Completed(2000, 0, 0.05, 0.1),
        ]);
        var totals = GnuplotColumn(WriteGnuplot(run), 9);
        Assert.Equal([5.0, 0.1, 0.3], totals);
        var seconds = GnuplotColumn(WriteGnuplot(run), 6);
        Assert.Equal(seconds.Order(), seconds);
    }

    [Fact]
    public void Seeds_gnuplot_script_reads_ttime_as_column_9_and_wait_as_column_10()
    {
        var run = Synthetic.Overloaded(300);
        var text = WriteGnuplot(run);
        var completed = run.CompletedInTimeOrder();
        var ttime = GnuplotColumn(text, 9);
        var wait = GnuplotColumn(text, 10);
        Assert.Equal(completed.Length, ttime.Count);
        Assert.Equal(completed.Length, wait.Count);
        for (var i = 0; i < completed.Length; i++)
        {
            Assert.Equal(RunSummary.ToMs(completed[i].TotalTicks), ttime[i], 3);
            Assert.Equal(RunSummary.ToMs(completed[i].WaitTicks), wait[i], 3);
        }

        Assert.Empty(GnuplotColumn(text, 11));
        Assert.Equal("ctime", text.Split('\n')[0].Split('\t')[2]);
    }

    [Fact]
    public void Ctime_pads_the_day_and_uses_english_names()
    {
        Assert.Equal("Mon Mar 02 14:05:09 2026", GnuplotWriter.CTime(new DateTimeOffset(2026, 3, 2, 14, 5, 9, TimeSpan.Zero)));
    }

    [Fact]
    public void Compare_files_merge_the_rounds_in_time_order()
    {
        var first = Synthetic.Run([Synthetic.Completed(0, 0, 0.1, 0.2), Synthetic.Completed(10, 0, 0.1, 0.3)]);
        var second = Synthetic.Run([Synthetic.Completed(5, 0, 0.1, 0.4)]);
        using var writer = new StringWriter();
        GnuplotWriter.Write(writer, [first, second], TimeZoneInfo.Utc);
        Assert.Equal([0.2, 0.4, 0.3], GnuplotColumn(writer.ToString(), 9));
    }

    [Fact]
    public void Percentile_csv_has_abs_header_and_101_rows_by_abs_index_rule()
    {
        double[] sorted = [.. Enumerable.Range(1, 10).Select(i => i / 10.0)];
        using var writer = new StringWriter();
        PercentileCsvWriter.Write(writer, sorted);
        var lines = writer.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal("Percentage served,Time in ms", lines[0]);
        Assert.Equal(102, lines.Length);
        Assert.Equal("0,0.100", lines[1]);
        Assert.Equal("25,0.400", lines[26]);
        Assert.Equal("50,0.600", lines[51]);
        Assert.Equal("100,1.000", lines[101]);
    }
}
