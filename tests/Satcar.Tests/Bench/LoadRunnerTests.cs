using System.Diagnostics;
using System.Text;
using Satcar.Bench.Compare;
using Satcar.Bench.Measurement;
using Satcar.Bench.Output;
using Satcar.Bench.Statistics;
using Satcar.Testing;

namespace Satcar.Tests.Bench;

/// <summary>Runs against a real Kestrel app on loopback. Nothing here asserts on how fast anything is.</summary>
public sealed class LoadRunnerTests
{
    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Keep_alive_run_connects_once_per_worker_and_times_every_phase(string engine)
    {
        await using var app = await FakeApp.StartAsync();
        var settings = new LoadSettings { Requests = 40, Concurrency = 2, KeepAlive = true, Engine = BenchEngines.Parse(engine) };
        var progress = new RunProgress(settings.Requests, null);
        var run = await LoadRunner.RunAsync(new RequestTemplate(new Uri(app.BaseUri, "/ping"), HttpMethod.Get), settings, progress);
        var summary = RunSummary.From(run);

        Assert.Equal(40, summary.Completed);
        Assert.Equal(0, summary.Failed);
        Assert.Equal(40, progress.Done);
        Assert.Equal(40, summary.KeepAliveRequests);
        Assert.Equal(2, run.Samples.Count(s => s.ConnectTicks > 0));
        Assert.Equal(38, run.Samples.Count(s => s.ReusedConnection));
        Assert.All(run.Samples, s =>
        {
            Assert.Equal(SampleOutcome.Completed, s.Outcome);
            Assert.Equal(200, s.Status);
            Assert.InRange(s.WaitTicks, 1, s.TotalTicks);
            Assert.InRange(s.ConnectTicks, 0, s.TotalTicks);
            Assert.True(s.WireBytes > s.BodyBytes);
        });
        Assert.Equal(40, app.CountFor("/ping"));
        Assert.Equal(summary.Total.Mean, summary.Connect.Mean + summary.Processing.Mean, 9);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Without_keep_alive_every_request_opens_its_own_connection(string engine)
    {
        await using var app = await FakeApp.StartAsync();
        var run = await LoadRunner.RunAsync(new RequestTemplate(app.BaseUri, HttpMethod.Get), new LoadSettings { Requests = 10, Engine = BenchEngines.Parse(engine) });
        Assert.All(run.Samples, s => Assert.True(s.ConnectTicks > 0 && !s.ReusedConnection && !s.KeptAlive));
        Assert.All(app.Requests, r => Assert.Contains("close", r.Header("Connection")));
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Body_method_content_type_and_headers_go_out_as_given(string engine)
    {
        await using var app = await FakeApp.StartAsync();
        var template = new RequestTemplate(
            new Uri(app.BaseUri, "/echo"), HttpMethod.Put, Encoding.UTF8.GetBytes("{\"order\":1}"), "application/json",
            [new("X-Trace", "abc"), new("User-Agent", "ab-compatible"), new("Host", "orders.example")]);
        var run = await LoadRunner.RunAsync(template, new LoadSettings { Requests = 3, KeepAlive = true, Engine = BenchEngines.Parse(engine) });

        Assert.All(run.Samples, s => Assert.Equal(11, s.BodyBytes));
        var request = app.Requests[0];
        Assert.Equal("PUT", request.Method);
        Assert.Equal("{\"order\":1}", Encoding.UTF8.GetString(request.Body));
        Assert.Equal(["application/json"], request.Header("Content-Type"));
        Assert.Equal(["abc"], request.Header("X-Trace"));
        Assert.Equal(["ab-compatible"], request.Header("User-Agent"));
        Assert.Equal(["orders.example"], request.Header("Host"));
        Assert.Empty(request.Header("traceparent"));
    }

    [Fact]
    public async Task Open_loop_latency_runs_from_the_scheduled_time()
    {
        await using var app = await FakeApp.StartAsync();
        var settings = new LoadSettings { Requests = 20, Concurrency = 2, KeepAlive = true, Rate = 200 };
        var run = await LoadRunner.RunAsync(new RequestTemplate(app.BaseUri, HttpMethod.Get), settings);
        var summary = RunSummary.From(run);
        var schedule = new RateSchedule(200, Stopwatch.Frequency);

        Assert.Equal(20, summary.Completed);
        Assert.NotNull(summary.SendLag);
        Assert.InRange(summary.Late, 0, 20);
        for (var i = 0; i < run.Samples.Length; i++)
        {
            var sample = run.Samples[i];
            Assert.Equal(run.StartTimestamp + schedule.DueOffset(i), sample.StartTimestamp);
            Assert.InRange(sample.SendLagTicks, 0, sample.TotalTicks);
            Assert.True(sample.TotalTicks >= sample.WaitTicks + sample.SendLagTicks, $"i={i} total={sample.TotalTicks} wait={sample.WaitTicks} lag={sample.SendLagTicks} connect={sample.ConnectTicks}");
        }
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Time_limit_stops_the_run_and_abandons_what_is_in_flight(string engine)
    {
        await using var server = MisbehavingServer.Silent();
        var settings = new LoadSettings
        {
            Requests = 50, Concurrency = 2, TimeLimit = TimeSpan.FromMilliseconds(300), Timeout = TimeSpan.FromSeconds(30), Engine = BenchEngines.Parse(engine),
        };
        var summary = RunSummary.From(await LoadRunner.RunAsync(new RequestTemplate(server.Url, HttpMethod.Get), settings));
        Assert.Equal(0, summary.Completed);
        Assert.Equal(0, summary.Failed);
        Assert.Equal(2, summary.Abandoned);
        Assert.Equal(2, summary.Sent);
    }

    [Fact]
    public async Task Json_report_carries_the_figures_and_every_request()
    {
        await using var app = await FakeApp.StartAsync();
        var run = await LoadRunner.RunAsync(new RequestTemplate(app.BaseUri, HttpMethod.Get), new LoadSettings { Requests = 5, KeepAlive = true });
        using var json = System.Text.Json.JsonDocument.Parse(JsonReport.Serialize(RunSummary.From(run), "GET"));
        var root = json.RootElement;
        Assert.Equal(5, root.GetProperty("completed").GetInt32());
        Assert.Equal(5, root.GetProperty("samples").GetArrayLength());
        Assert.Equal(5, root.GetProperty("connectionTimesMs").GetProperty("total").GetProperty("count").GetInt32());
        Assert.True(root.GetProperty("abPercentilesMs").TryGetProperty("99", out _));
        Assert.Equal("completed", root.GetProperty("samples")[0].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Compare_runs_every_target_once_per_round_in_a_shuffled_order()
    {
        await using var app = await FakeApp.StartAsync();
        var targets = new[]
        {
            new CompareTarget("a", new Uri(app.BaseUri, "/a")),
            new CompareTarget("b", new Uri(app.BaseUri, "/b")),
            new CompareTarget("c", new Uri(app.BaseUri, "/c")),
        };
        var result = await CompareRunner.RunAsync(
            targets, "a", 4, new RequestTemplate(targets[0].Url, HttpMethod.Get), new LoadSettings { Requests = 5, KeepAlive = true, Warmup = 2 }, new Random(1));

        Assert.Equal(4, result.Rounds.Count);
        Assert.All(result.Rounds, r => Assert.Equal(["a", "b", "c"], r.Order.Order()));
        Assert.Equal(4 * 5 + 2, app.CountFor("/a"));
        var summaries = result.Summarise();
        var baseline = summaries.Single(s => s.Name == "a");
        Assert.Equal(0, baseline.AddedMeanMs);
        Assert.Equal(1, baseline.MeanRatio);
        Assert.All(summaries, s => Assert.Equal(20, s.Completed));
        Assert.False(result.AnyFailed);

        using var text = new StringWriter();
        TextReport.WriteCompare(text, result);
        Assert.Contains("Against the baseline 'a'", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Median_over_rounds_ignores_missing_values()
    {
        Assert.Equal(2, CompareResult.MedianOf([3, double.NaN, 1, 2]));
        Assert.True(double.IsNaN(CompareResult.MedianOf([])));
    }
}
