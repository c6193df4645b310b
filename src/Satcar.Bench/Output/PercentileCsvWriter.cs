using System.Globalization;
using Satcar.Bench.Statistics;

namespace Satcar.Bench.Output;

/// <summary>ab's <c>-e</c> file: "Percentage served,Time in ms", then 0 to 100 with ab's index rule and three decimals.</summary>
internal static class PercentileCsvWriter
{
    public const string Header = "Percentage served,Time in ms";

    public static void Write(TextWriter writer, double[] sortedTotalsMs)
    {
        writer.Write(Header);
        writer.Write('\n');
        if (sortedTotalsMs.Length == 0)
        {
            return;
        }

        for (var percent = 0; percent <= 100; percent++)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{percent},{Percentiles.AbCsv(sortedTotalsMs, percent):0.000}\n"));
        }
    }

    public static void Write(string path, double[] sortedTotalsMs)
    {
        using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Write(writer, sortedTotalsMs);
    }
}
