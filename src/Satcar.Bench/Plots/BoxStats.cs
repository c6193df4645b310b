using Satcar.Bench.Statistics;

namespace Satcar.Bench.Plots;

/// <summary>
/// The five numbers of a box as gnuplot's <c>set style boxplot nooutliers</c> draws them (the seed's plot): quartiles,
/// median, and whiskers at the most extreme values within 1.5 interquartile ranges of the box.
/// </summary>
internal readonly record struct BoxStats(double WhiskerLow, double Q1, double Median, double Q3, double WhiskerHigh)
{
    public static BoxStats From(IReadOnlyCollection<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        if (sorted.Length == 0)
        {
            return new BoxStats(0, 0, 0, 0, 0);
        }

        var q1 = Percentiles.Interpolated(sorted, 25);
        var q3 = Percentiles.Interpolated(sorted, 75);
        var reach = 1.5 * (q3 - q1);
        var low = sorted.First(v => v >= q1 - reach);
        var high = sorted.Last(v => v <= q3 + reach);
        return new BoxStats(low, q1, Descriptive.Median(sorted), q3, high);
    }
}
