using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Satcar.Bench.Measurement;
using Satcar.Bench.Statistics;
using Satcar.Testing;

namespace Satcar.Tests.Bench;

/// <summary>
/// The measuring client against real servers on loopback: connection reuse, the server's close, and servers that
/// misbehave in ways the parser bounds. Nothing here asserts on how fast anything is.
/// </summary>
public sealed class Http1EngineTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private static async Task<(RunResult Run, RunSummary Summary)> RunAsync(
        Uri url, int requests, int concurrency = 1, bool keepAlive = true, double timeoutSeconds = 10, HttpMethod? method = null, bool insecure = false,
        string engine = nameof(ClientEngine.Auto))
    {
        var settings = new LoadSettings
        {
            Requests = requests, Concurrency = concurrency, KeepAlive = keepAlive, Timeout = TimeSpan.FromSeconds(timeoutSeconds), Insecure = insecure,
            Engine = BenchEngines.Parse(engine),
        };
        var run = await LoadRunner.RunAsync(new RequestTemplate(url, method ?? HttpMethod.Get), settings);
        return (run, RunSummary.From(run));
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Keep_alive_opens_one_connection_per_worker(string engine)
    {
        await using var server = MisbehavingServer.Answering(Ok);
        var (run, summary) = await RunAsync(server.Url, requests: 30, concurrency: 3, engine: engine);

        Assert.Equal(30, summary.Completed);
        Assert.Equal(30, summary.KeepAliveRequests);
        Assert.Equal(3, server.Connections);
        Assert.Equal(3, run.Samples.Count(s => !s.ReusedConnection));
        Assert.All(run.Samples.Where(s => s.ReusedConnection), s => Assert.Equal(0, s.ConnectTicks));
        Assert.All(run.Samples, s => Assert.Equal(Ok.Length, s.WireBytes));
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_server_that_answers_connection_close_gets_a_new_connection_per_request(string engine)
    {
        await using var server = MisbehavingServer.AnsweringOnceAndClosing("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        var (run, summary) = await RunAsync(server.Url, requests: 10, engine: engine);

        Assert.Equal(10, summary.Completed);
        Assert.Equal(0, summary.Failed);
        Assert.Equal(0, summary.KeepAliveRequests);
        Assert.Equal(10, server.Connections);
        Assert.All(run.Samples, s => Assert.False(s.ReusedConnection));
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_kept_alive_connection_the_server_shut_while_idle_is_replaced_without_a_failure(string engine)
    {
        // Answers as if it kept the connection, then closes it: the next request finds it closed before any response
        // byte, and goes again on a new connection, as ab does.
        await using var server = MisbehavingServer.AnsweringOnceAndClosing(Ok);
        var (run, summary) = await RunAsync(server.Url, requests: 10, engine: engine);

        Assert.Equal(10, summary.Completed);
        Assert.Equal(0, summary.Failed);
        Assert.Equal(10, server.Connections);
        Assert.All(run.Samples, s => Assert.True(s.ConnectTicks > 0));
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Without_keep_alive_the_request_ends_with_the_servers_close(string engine)
    {
        // Answers completely but never closes although the request said Connection: close: ab waits for the close, and
        // so does satcar bench, until -s.
        await using var server = MisbehavingServer.Answering(Ok);
        var (_, summary) = await RunAsync(server.Url, requests: 2, keepAlive: false, timeoutSeconds: 3, engine: engine);

        Assert.Equal(0, summary.Completed);
        var failure = Assert.Single(summary.Failures);
        Assert.Equal(FailureReason.Timeout, failure.Reason);
        Assert.Contains("not closed", failure.Example, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Chunked_responses_from_kestrel_keep_the_connection(string engine)
    {
        await using var app = await FakeApp.StartAsync();
        var body = Encoding.UTF8.GetBytes(new string('x', 40_000));
        var template = new RequestTemplate(new Uri(app.BaseUri, "/echo"), HttpMethod.Post, body, "text/plain");
        var run = await LoadRunner.RunAsync(template, new LoadSettings { Requests = 5, KeepAlive = true, Engine = BenchEngines.Parse(engine) });
        var summary = RunSummary.From(run);

        Assert.Equal(5, summary.Completed);
        Assert.Equal(5, summary.KeepAliveRequests);
        Assert.Equal(1, run.Samples.Count(s => !s.ReusedConnection));
        Assert.All(run.Samples, s => Assert.Equal(body.Length, s.BodyBytes));
        Assert.Equal(body.Length, summary.Run.DocumentLength);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Head_completes_at_the_end_of_the_headers(string engine)
    {
        await using var app = await FakeApp.StartAsync(handler: async (context, _) =>
        {
            context.Response.ContentLength = 1000;
            if (!HttpMethods.IsHead(context.Request.Method))
            {
                await context.Response.Body.WriteAsync(new byte[1000]);
            }

            return true;
        });
        var (run, summary) = await RunAsync(app.BaseUri, requests: 4, method: HttpMethod.Head, timeoutSeconds: 5, engine: engine);

        Assert.Equal(4, summary.Completed);
        Assert.Equal(4, summary.KeepAliveRequests);
        Assert.All(run.Samples, s => Assert.Equal(0, s.BodyBytes));
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Status_server_and_document_length_come_from_the_responses(string engine)
    {
        await using var server = MisbehavingServer.Answering("HTTP/1.1 503 Busy\r\nServer: misbehaving/2.0\r\nContent-Length: 4\r\n\r\nbusy");
        var (run, summary) = await RunAsync(server.Url, requests: 3, engine: engine);

        Assert.Equal(3, summary.Non2xx);
        Assert.Equal(0, summary.Failed);
        Assert.Equal("misbehaving/2.0", run.ServerSoftware);
        Assert.Equal(4, run.DocumentLength);
        Assert.All(run.Samples, s => Assert.Equal(503, s.Status));
    }

    [Fact]
    public async Task Https_with_insecure_accepts_an_unknown_certificate_and_keeps_the_connection()
    {
        using var directory = new TempDirectory();
        var certificates = TestCertificates.Create(directory.Path);
        await using var app = await FakeApp.StartAsync(certificate: certificates.Server);
        var url = new UriBuilder(app.BaseUri) { Path = "/ping" }.Uri;

        var (run, summary) = await RunAsync(url, requests: 6, concurrency: 2, insecure: true);
        Assert.Equal(6, summary.Completed);
        Assert.Equal(2, run.Samples.Count(s => !s.ReusedConnection));
        Assert.Equal(6, app.CountFor("/ping"));

        var (_, untrusted) = await RunAsync(url, requests: 2);
        Assert.Equal(2, untrusted.Failed);
        Assert.Equal(FailureReason.Tls, Assert.Single(untrusted.Failures).Reason);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task An_endless_chunked_body_times_out(string engine)
    {
        await using var server = MisbehavingServer.Custom(async (socket, ct) =>
        {
            await MisbehavingServer.ReadRequestAsync(socket, ct);
            await socket.SendAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray(), ct);
            var chunk = Encoding.ASCII.GetBytes($"400\r\n{new string('x', 1024)}\r\n");
            for (var i = 0; i < 100_000 && !ct.IsCancellationRequested; i++)
            {
                await socket.SendAsync(chunk, ct);
                await Task.Delay(5, ct);
            }
        });
        var (_, summary) = await RunAsync(server.Url, requests: 1, timeoutSeconds: 3, engine: engine);

        Assert.Equal(FailureReason.Timeout, Assert.Single(summary.Failures).Reason);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Endless_headers_are_an_invalid_response_not_a_hang(string engine)
    {
        await using var server = MisbehavingServer.Custom(async (socket, ct) =>
        {
            await MisbehavingServer.ReadRequestAsync(socket, ct);
            await socket.SendAsync("HTTP/1.1 200 OK\r\n"u8.ToArray(), ct);
            var header = Encoding.ASCII.GetBytes($"X-Filler: {new string('y', 1000)}\r\n");
            for (var i = 0; i < 1_000 && !ct.IsCancellationRequested; i++)
            {
                await socket.SendAsync(header, ct);
            }
        });
        var (_, summary) = await RunAsync(server.Url, requests: 2, timeoutSeconds: 30, engine: engine);

        var failure = Assert.Single(summary.Failures);
        Assert.Equal(FailureReason.InvalidResponse, failure.Reason);
        Assert.Contains("larger than the limit", failure.Example, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_body_longer_than_its_content_length_closes_the_connection_instead_of_reusing_it(string engine)
    {
        await using var server = MisbehavingServer.Answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA");
        var (run, summary) = await RunAsync(server.Url, requests: 4, engine: engine);

        Assert.Equal(4, summary.Completed);
        Assert.Equal(0, summary.KeepAliveRequests);
        Assert.Equal(4, server.Connections);
        Assert.All(run.Samples, s => Assert.Equal(2, s.BodyBytes));
    }
}
