namespace Satcar.Bench.Statistics;

/// <summary>
/// One column of ab's "Connection Times" table (min, mean, sd, median, max) and the interpolated percentiles, in
/// milliseconds. The standard deviation is the sample one (divided by n − 1), as ab's; the median is the middle value,
/// or the mean of the two middle values for an even count (ab averages the wrong pair for odd counts).
/// </summary>
internal sealed record SeriesStats(int Count, double Min, double Mean, double StdDev, double Median, double Max, double P50, double P90, double P99, double P999)
{
    public static readonly SeriesStats Empty = new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>Statistics of <paramref name="values"/> (any order; the array is not changed).</summary>
    public static SeriesStats From(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return Empty;
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        return FromSorted(sorted);
    }

    public static SeriesStats FromSorted(double[] sorted)
    {
        if (sorted.Length == 0)
        {
            return Empty;
        }

        var mean = Descriptive.Mean(sorted);
        return new SeriesStats(
            sorted.Length,
            sorted[0],
            mean,
            Descriptive.SampleStdDev(sorted, mean),
            Descriptive.Median(sorted),
            sorted[^1],
            Percentiles.Interpolated(sorted, 50),
            Percentiles.Interpolated(sorted, 90),
            Percentiles.Interpolated(sorted, 99),
            Percentiles.Interpolated(sorted, 99.9));
    }
}

/// <summary>Mean, sample standard deviation and median, as the connection-times table uses them.</summary>
internal static class Descriptive
{
    public static double Mean(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            return double.NaN;
        }

        var sum = 0.0;
        foreach (var value in values)
        {
            sum += value;
        }

        return sum / values.Length;
    }

    /// <summary>√(Σ(x − mean)² / (n − 1)); 0 for a single value, as ab.</summary>
    public static double SampleStdDev(ReadOnlySpan<double> values, double mean)
    {
        if (values.Length < 2)
        {
            return 0;
        }

        var squares = 0.0;
        foreach (var value in values)
        {
            squares += (value - mean) * (value - mean);
        }

        return Math.Sqrt(squares / (values.Length - 1));
    }

    public static double Median(ReadOnlySpan<double> sorted) =>
        sorted.IsEmpty ? double.NaN
        : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
        : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
