namespace Satcar.Bench.Statistics;

/// <summary>
/// Percentiles of sorted values, by ab's two index rules (to match its outputs) and by linear interpolation (the
/// p50/p90/p99/p99.9 satcar bench reports).
/// </summary>
internal static class Percentiles
{
    /// <summary>The percentages ab prints under "Percentage of the requests served within a certain time".</summary>
    public static readonly int[] AbTablePercentages = [50, 66, 75, 80, 90, 95, 98, 99, 100];

    /// <summary>
    /// Linear interpolation between the closest ranks: rank <c>h = (n − 1)·p/100</c>, value
    /// <c>x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])</c> (Hyndman and Fan type 7; numpy's and R's default, Excel's
    /// PERCENTILE.INC). It is continuous in p, so p99.9 of 1,000 samples is not simply the maximum.
    /// </summary>
    public static double Interpolated(ReadOnlySpan<double> sorted, double percent)
    {
        if (sorted.IsEmpty)
        {
            return double.NaN;
        }

        var rank = (sorted.Length - 1) * Math.Clamp(percent, 0, 100) / 100.0;
        var lower = (int)Math.Floor(rank);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((rank - lower) * (sorted[upper] - sorted[lower]));
    }

    /// <summary>ab's printed table: <c>stats[n·p/100]</c> in integer arithmetic, and the longest request for 100.</summary>
    public static double AbTable(ReadOnlySpan<double> sorted, int percent)
    {
        if (sorted.IsEmpty)
        {
            return double.NaN;
        }

        var index = percent >= 100 ? sorted.Length - 1 : (int)((long)sorted.Length * percent / 100);
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }

    /// <summary>
    /// ab's <c>-e</c> file: the shortest request for 0, the longest for 100, else <c>stats[(int)(0.5 + n·p/100.0)]</c>.
    /// The index is clamped: ab reads past the end of its array when n is 1.
    /// </summary>
    public static double AbCsv(ReadOnlySpan<double> sorted, int percent)
    {
        if (sorted.IsEmpty)
        {
            return double.NaN;
        }

        var index = percent switch
        {
            <= 0 => 0,
            >= 100 => sorted.Length - 1,
            _ => (int)(0.5 + (sorted.Length * percent / 100.0)),
        };
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }
}
