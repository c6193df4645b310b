namespace Satcar.Bench.Plots;

/// <summary>A percentile over a trailing window of the last <c>window</c> values, recomputed at every value.</summary>
internal static class RollingPercentile
{
    /// <summary>
    /// For each index i ≥ window − 1, the nearest-rank percentile of values[i − window + 1 .. i]. The window is kept
    /// sorted (binary search, insert, remove), which is fast enough for the window sizes a plot needs.
    /// </summary>
    public static double[] Compute(IReadOnlyList<double> values, int window, double percent)
    {
        if (window < 1 || values.Count < window)
        {
            return [];
        }

        var sorted = new List<double>(window + 1);
        var result = new double[values.Count - window + 1];
        var rank = (int)Math.Ceiling(percent / 100.0 * window) - 1;
        rank = Math.Clamp(rank, 0, window - 1);
        for (var i = 0; i < values.Count; i++)
        {
            Insert(sorted, values[i]);
            if (i >= window)
            {
                var leaving = sorted.BinarySearch(values[i - window]);
                sorted.RemoveAt(leaving);
            }

            if (i >= window - 1)
            {
                result[i - window + 1] = sorted[rank];
            }
        }

        return result;
    }

    private static void Insert(List<double> sorted, double value)
    {
        var at = sorted.BinarySearch(value);
        sorted.Insert(at < 0 ? ~at : at, value);
    }
}
