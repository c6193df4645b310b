using System.Globalization;
using Satcar.Bench.Compare;
using Satcar.Bench.Measurement;
using Satcar.Bench.Statistics;

namespace Satcar.Bench.Output;

/// <summary>
/// The report ab users know, line for line where the meaning is the same, with times in milliseconds to three
/// decimals instead of ab's whole milliseconds, then the failure reasons and, for <c>--rate</c>, the schedule figures.
/// </summary>
internal static class TextReport
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public static void Write(TextWriter o, RunSummary s)
    {
        var run = s.Run;
        var settings = run.Settings;
        Line(o, "Server Software:", run.ServerSoftware ?? "");
        Line(o, "Server Hostname:", run.Url.Host);
        Line(o, "Server Port:", run.Url.Port.ToString(s_invariant));
        o.WriteLine();
        Line(o, "Document Path:", run.Url.PathAndQuery);
        Line(o, "Document Length:", run.DocumentLength is { } length ? $"{length} bytes" : "-");
        o.WriteLine();
        Line(o, "Concurrency Level:", Math.Min(settings.Concurrency, settings.Requests).ToString(s_invariant));
        if (settings.Rate is { } rate)
        {
            Line(o, "Target rate:", F($"{rate:0.00} [#/sec] (open loop, latency from the scheduled send time)"));
        }

        Line(o, "Time taken for tests:", F($"{s.TimeTakenSeconds:0.000} seconds"));
        Line(o, "Complete requests:", s.Completed.ToString(s_invariant));
        Line(o, "Failed requests:", s.Failed.ToString(s_invariant));
        foreach (var failure in s.Failures)
        {
            o.WriteLine(F($"   {failure.Reason.Label()}: {failure.Count}  ({failure.Example})"));
        }

        if (s.Non2xx > 0)
        {
            Line(o, "Non-2xx responses:", s.Non2xx.ToString(s_invariant));
        }

        if (settings.KeepAlive)
        {
            Line(o, "Keep-Alive requests:", s.KeepAliveRequests.ToString(s_invariant));
        }

        if (s.Abandoned > 0)
        {
            Line(o, "Abandoned in flight:", F($"{s.Abandoned} (still running when the run stopped; not counted)"));
        }

        if (settings.Rate is not null && s.SendLag is { } lag)
        {
            Line(o, "Sent late:", F($"{s.Late} of {s.Sent} (more than {RateSchedule.LateThreshold.TotalMilliseconds:0.###} ms after their scheduled time; lag mean {lag.Mean:0.000} ms, p99 {lag.P99:0.000} ms, max {lag.Max:0.000} ms)"));
        }

        Line(o, "Total transferred:", F($"{s.WireBytes} bytes"));
        Line(o, "HTML transferred:", F($"{s.BodyBytes} bytes"));
        if (s.Completed > 0 && s.TimeTakenSeconds > 0)
        {
            Line(o, "Requests per second:", F($"{s.RequestsPerSecond:0.00} [#/sec] (mean)"));
            Line(o, "Time per request:", F($"{s.TimePerRequestMs:0.000} [ms] (mean)"));
            Line(o, "Time per request:", F($"{s.TimePerRequestAcrossMs:0.000} [ms] (mean, across all concurrent requests)"));
            Line(o, "Transfer rate:", F($"{s.WireBytes / 1024.0 / s.TimeTakenSeconds:0.00} [Kbytes/sec] received"));
        }

        if (s.Completed == 0)
        {
            return;
        }

        o.WriteLine();
        o.WriteLine("Connection Times (ms)");
        o.WriteLine("                 min     mean[+/-sd]     median        max");
        Row(o, "Connect:", s.Connect);
        Row(o, "Processing:", s.Processing);
        Row(o, "Waiting:", s.Waiting);
        Row(o, "Total:", s.Total);
        o.WriteLine();
        o.WriteLine(F($"Latency (ms, interpolated)  p50 {s.Total.P50:0.000}  p90 {s.Total.P90:0.000}  p99 {s.Total.P99:0.000}  p99.9 {s.Total.P999:0.000}"));
        if (s.TotalSortedMs.Length > 1)
        {
            o.WriteLine();
            o.WriteLine("Percentage of the requests served within a certain time (ms)");
            foreach (var percent in Percentiles.AbTablePercentages)
            {
                var value = Percentiles.AbTable(s.TotalSortedMs, percent);
                o.WriteLine(percent >= 100 ? F($" 100%  {value,9:0.000} (longest request)") : F($"  {percent}%  {value,9:0.000}"));
            }
        }
    }

    public static void WriteCompare(TextWriter o, CompareResult result)
    {
        var names = result.Targets.Select(t => t.Name).ToArray();
        var width = Math.Max(8, names.Max(n => n.Length) + 2);
        o.WriteLine("Each round runs every target once, in a shuffled order; times are the total time of a request in ms.");
        o.WriteLine();
        o.WriteLine(F($"{"round",-7}{"target".PadRight(width)}{"mean",10}{"p50",10}{"p99",10}{"req/s",11}{"failed",8}{"non-2xx",9}"));
        foreach (var round in result.Rounds)
        {
            foreach (var name in round.Order)
            {
                var s = round.Results[name];
                o.WriteLine(F($"{round.Number,-7}{name.PadRight(width)}{s.Total.Mean,10:0.000}{s.Total.P50,10:0.000}{s.Total.P99,10:0.000}{s.RequestsPerSecond,11:0.0}{s.Failed,8}{s.Non2xx,9}"));
            }
        }

        o.WriteLine();
        o.WriteLine(F($"Medians over {result.Rounds.Count} rounds (min–max of the round means):"));
        o.WriteLine(F($"{"target".PadRight(width)}{"mean",10}{"(min–max)",22}{"p50",10}{"p99",10}{"req/s",11}"));
        var summaries = result.Summarise();
        foreach (var t in summaries)
        {
            o.WriteLine(F($"{t.Name.PadRight(width)}{t.MedianMeanMs,10:0.000}{$"({t.MinMeanMs:0.000}–{t.MaxMeanMs:0.000})",22}{t.MedianP50Ms,10:0.000}{t.MedianP99Ms,10:0.000}{t.MedianRequestsPerSecond,11:0.0}"));
        }

        o.WriteLine();
        o.WriteLine(F($"Against the baseline '{result.Baseline}' (medians over rounds of the same-round difference and ratio):"));
        o.WriteLine(F($"{"target".PadRight(width)}{"added mean",12}{"added p50",12}{"added p99",12}{"mean ×",9}{"p50 ×",9}{"p99 ×",9}"));
        foreach (var t in summaries.Where(t => t.Name != result.Baseline))
        {
            o.WriteLine(F($"{t.Name.PadRight(width)}{t.AddedMeanMs,12:+0.000;-0.000}{t.AddedP50Ms,12:+0.000;-0.000}{t.AddedP99Ms,12:+0.000;-0.000}{t.MeanRatio,9:0.00}{t.P50Ratio,9:0.00}{t.P99Ratio,9:0.00}"));
        }

        var failures = result.Rounds.SelectMany(r => r.Results.Select(p => (Name: p.Key, Summary: p.Value)))
            .SelectMany(p => p.Summary.Failures.Select(f => (p.Name, f)))
            .GroupBy(p => (p.Name, p.f.Reason))
            .ToList();
        if (failures.Count > 0)
        {
            o.WriteLine();
            o.WriteLine("Failed requests:");
            foreach (var group in failures)
            {
                o.WriteLine(F($"   {group.Key.Name}: {group.Key.Reason.Label()}: {group.Sum(p => p.f.Count)}  ({group.First().f.Example})"));
            }
        }
    }

    private static void Line(TextWriter o, string label, string value) => o.WriteLine($"{label,-24}{value}");

    private static void Row(TextWriter o, string label, SeriesStats stats) =>
        o.WriteLine(F($"{label,-12}{stats.Min,9:0.000}{stats.Mean,9:0.000}{stats.StdDev,8:0.000}{stats.Median,11:0.000}{stats.Max,11:0.000}"));

    private static string F(FormattableString text) => text.ToString(s_invariant);
}
