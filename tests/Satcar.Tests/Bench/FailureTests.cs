using Satcar.Bench.Measurement;
using Satcar.Bench.Statistics;
using Satcar.Testing;

namespace Satcar.Tests.Bench;

/// <summary>Every way a target can fail ends as a counted failure with its reason, never as an exception.</summary>
public sealed class FailureTests
{
    private static async Task<RunSummary> RunAsync(Uri url, string engine, int requests = 3, double timeoutSeconds = 5, bool keepAlive = false)
    {
        var settings = new LoadSettings
        {
            Requests = requests, Concurrency = 1, KeepAlive = keepAlive, Timeout = TimeSpan.FromSeconds(timeoutSeconds), Engine = BenchEngines.Parse(engine),
        };
        var run = await LoadRunner.RunAsync(new RequestTemplate(url, HttpMethod.Get), settings);
        return RunSummary.From(run);
    }

    private static void AssertAllFailed(RunSummary summary, FailureReason reason, int requests = 3)
    {
        Assert.Equal(0, summary.Completed);
        Assert.Equal(requests, summary.Failed);
        var failure = Assert.Single(summary.Failures);
        Assert.True(reason == failure.Reason, $"expected {reason}, got {failure.Reason}: {failure.Example}");
        Assert.Equal(requests, failure.Count);
        Assert.False(string.IsNullOrWhiteSpace(failure.Example));
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_closed_port_is_connect_refused(string engine)
    {
        var summary = await RunAsync(new Uri($"http://127.0.0.1:{Ports.Free()}/"), engine);
        AssertAllFailed(summary, FailureReason.ConnectRefused);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_server_that_closes_mid_response_is_counted_as_such(string engine)
    {
        await using var server = MisbehavingServer.ClosingMidResponse();
        AssertAllFailed(await RunAsync(server.Url, engine), FailureReason.ClosedMidResponse);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_server_that_closes_before_answering_is_counted_as_such(string engine)
    {
        await using var server = MisbehavingServer.ClosingBeforeResponse();
        AssertAllFailed(await RunAsync(server.Url, engine, keepAlive: true), FailureReason.ClosedBeforeResponse);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_reset_connection_is_a_reset(string engine)
    {
        await using var server = MisbehavingServer.Resetting();
        AssertAllFailed(await RunAsync(server.Url, engine), FailureReason.Reset);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_server_that_never_answers_times_out_after_s_seconds(string engine)
    {
        await using var server = MisbehavingServer.Silent();
        // -s 3 rather than 1: on a loaded machine the async engine may learn of a finished connect late (ClosedLoopEngineTests).
        var summary = await RunAsync(server.Url, engine, requests: 2, timeoutSeconds: 3);
        AssertAllFailed(summary, FailureReason.Timeout, requests: 2);
        Assert.Contains("3 s", summary.Failures[0].Example, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_server_that_does_not_speak_http_is_an_invalid_response(string engine)
    {
        await using var server = MisbehavingServer.SpeakingNonsense();
        AssertAllFailed(await RunAsync(server.Url, engine, timeoutSeconds: 2), FailureReason.InvalidResponse);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task An_unknown_host_is_a_name_resolution_failure(string engine)
    {
        AssertAllFailed(await RunAsync(new Uri("http://no-such-host.invalid/"), engine, timeoutSeconds: 5), FailureReason.NameResolution);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Failures_and_successes_are_counted_apart(string engine)
    {
        await using var app = await FakeApp.StartAsync();
        var good = await RunAsync(new Uri(app.BaseUri, "/status/500"), engine, requests: 4, keepAlive: true);
        Assert.Equal(4, good.Completed);
        Assert.Equal(0, good.Failed);
        Assert.Equal(4, good.Non2xx);
    }

    [Theory]
    [InlineData("http://127.0.0.1:3500/v1.0/healthz", true)]
    [InlineData("https://example.test/", true)]
    [InlineData("127.0.0.1:3500/v1.0/healthz", true)]
    [InlineData("localhost:3500/v1.0/healtz", true)]
    [InlineData("ftp://example.test/", false)]
    [InlineData("not a url", false)]
    [InlineData("/relative", false)]
    public void Only_http_urls_are_accepted_with_http_assumed_as_in_ab(string text, bool valid)
    {
        Assert.Equal(valid, BenchUrl.TryParse(text, out _, out var error));
        Assert.Equal(valid, error.Length == 0);
    }
}
