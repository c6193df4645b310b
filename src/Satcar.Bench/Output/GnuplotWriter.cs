using System.Globalization;
using Satcar.Bench.Measurement;
using Satcar.Bench.Statistics;

namespace Satcar.Bench.Output;

/// <summary>
/// ab's <c>-g</c> file: the same header and columns (<c>starttime seconds ctime dtime ttime wait</c>, tab-separated,
/// starttime as <c>apr_ctime</c> writes it in local time, seconds as integer Unix time), so scripts written for ab
/// keep working — the seed's <c>using (1):9, '' using (2):10</c> reads ttime and wait, because gnuplot splits the date
/// into five fields. Two differences, both deliberate: rows are in the order the requests started (ab sorts them by
/// ttime), and times are milliseconds with three decimals (ab rounds them to whole milliseconds).
/// </summary>
internal static class GnuplotWriter
{
    public const string Header = "starttime\tseconds\tctime\tdtime\tttime\twait";

    public static void Write(TextWriter writer, RunResult run, TimeZoneInfo? zone = null) => Write(writer, [run], zone);

    /// <summary>The rows of several runs (the rounds of a compare) merged in time order.</summary>
    public static void Write(TextWriter writer, IEnumerable<RunResult> runs, TimeZoneInfo? zone = null)
    {
        zone ??= TimeZoneInfo.Local;
        writer.Write(Header);
        writer.Write('\n');
        var rows = runs.SelectMany(run => run.CompletedInTimeOrder().Select(sample => (Run: run, Sample: sample)))
            .OrderBy(row => row.Sample.StartTimestamp);
        foreach (var (run, sample) in rows)
        {
            var started = run.WallClock(sample.StartTimestamp);
            writer.Write(CTime(TimeZoneInfo.ConvertTime(started, zone)));
            writer.Write('\t');
            writer.Write(started.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            writer.Write('\t');
            writer.Write(Ms(sample.ConnectTicks));
            writer.Write('\t');
            writer.Write(Ms(sample.ProcessingTicks));
            writer.Write('\t');
            writer.Write(Ms(sample.TotalTicks));
            writer.Write('\t');
            writer.Write(Ms(sample.WaitTicks));
            writer.Write('\n');
        }
    }

    public static void Write(string path, RunResult run)
    {
        using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Write(writer, run);
    }

    /// <summary><c>apr_ctime</c>: "Wed Nov 25 00:22:33 2026", day of month zero-padded, no newline.</summary>
    public static string CTime(DateTimeOffset local) => local.ToString("ddd MMM dd HH:mm:ss yyyy", CultureInfo.InvariantCulture);

    private static string Ms(long ticks) => RunSummary.ToMs(ticks).ToString("0.000", CultureInfo.InvariantCulture);
}
