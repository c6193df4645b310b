using System.Net.Sockets;
using System.Text;
using Satcar.Bench.Measurement;
using Satcar.Bench.Statistics;
using Satcar.Testing;

namespace Satcar.Tests.Bench;

/// <summary>
/// What a closed-loop engine has to get right on its own (the epoll engine does its own connects, partial sends,
/// deadlines and cancellation), against real servers on loopback, for both engines. Nothing asserts on how fast
/// anything is.
/// </summary>
public sealed class ClosedLoopEngineTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private const int LargeBodyBytes = 4 * 1024 * 1024;

    private static LoadSettings Settings(string engine, int requests, int concurrency = 1, double timeoutSeconds = 10) => new()
    {
        Requests = requests, Concurrency = concurrency, KeepAlive = true, Timeout = TimeSpan.FromSeconds(timeoutSeconds), Engine = BenchEngines.Parse(engine),
    };

    private static async Task<(RunResult Run, RunSummary Summary)> RunAsync(RequestTemplate template, LoadSettings settings, CancellationToken cancellationToken = default)
    {
        var run = await LoadRunner.RunAsync(template, settings, null, cancellationToken);
        return (run, RunSummary.From(run));
    }

    private static byte[] LargeBody() => [.. Enumerable.Range(0, LargeBodyBytes).Select(i => (byte)(i % 251))];

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_large_body_goes_out_whole_to_a_server_that_reads_it_slowly(string engine)
    {
        // The server takes the body 64 KiB at a time with a pause in between, so the socket's send buffer fills and
        // the client has to send the rest when there is room again. It answers 200 only for the exact bytes.
        var body = LargeBody();
        await using var server = MisbehavingServer.Custom(async (socket, ct) =>
        {
            while (await ReadBodyAsync(socket, ct) is { } received)
            {
                var answer = received.AsSpan().SequenceEqual(body) ? Ok : "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
                await socket.SendAsync(Encoding.ASCII.GetBytes(answer), ct);
            }
        });
        var template = new RequestTemplate(server.Url, HttpMethod.Post, body, "application/octet-stream");
        var (run, summary) = await RunAsync(template, Settings(engine, requests: 3, timeoutSeconds: 30));

        Assert.Equal(3, summary.Completed);
        Assert.All(run.Samples, s => Assert.Equal(200, s.Status));
        Assert.Equal(1, server.Connections);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_large_response_is_read_whole(string engine)
    {
        await using var app = await FakeApp.StartAsync();
        var body = LargeBody();
        var template = new RequestTemplate(new Uri(app.BaseUri, "/echo"), HttpMethod.Post, body, "application/octet-stream");
        var (run, summary) = await RunAsync(template, Settings(engine, requests: 2, timeoutSeconds: 30));

        Assert.Equal(2, summary.Completed);
        Assert.Equal(2, summary.KeepAliveRequests);
        Assert.All(run.Samples, s => Assert.Equal(LargeBodyBytes, s.BodyBytes));
        Assert.All(app.Requests, r => Assert.Equal(LargeBodyBytes, r.Body.Length));
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task The_eight_workers_of_c_8_connect_and_send_side_by_side(string engine)
    {
        // The server answers nobody until all eight first requests have arrived: a client that connected or sent one
        // worker's request after another would time out here.
        const int Workers = 8;
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = MisbehavingServer.Custom(async (socket, ct) =>
        {
            if (!await MisbehavingServer.ReadRequestAsync(socket, ct))
            {
                return;
            }

            if (Interlocked.Increment(ref arrived) == Workers)
            {
                allArrived.TrySetResult();
            }

            await allArrived.Task.WaitAsync(ct);
            do
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes(Ok), ct);
            }
            while (await MisbehavingServer.ReadRequestAsync(socket, ct));
        });
        var (run, summary) = await RunAsync(new RequestTemplate(server.Url, HttpMethod.Get), Settings(engine, requests: 80, concurrency: Workers));

        Assert.Equal(80, summary.Completed);
        Assert.Equal(Workers, server.Connections);
        Assert.Equal(Workers, run.Samples.Count(s => !s.ReusedConnection));
        Assert.All(run.Samples.Where(s => !s.ReusedConnection), s => Assert.True(s.ConnectTicks > 0));
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_silent_server_times_out_every_worker_after_s_seconds(string engine)
    {
        await using var server = MisbehavingServer.Silent();
        // -s leaves room for a loaded machine: a loopback connect ends at once, but the async engine learns of it
        // only when its continuation runs, and with -s 1 a busy thread pool once left workers "connecting" at the limit.
        var (_, summary) = await RunAsync(new RequestTemplate(server.Url, HttpMethod.Get), Settings(engine, requests: 4, concurrency: 4, timeoutSeconds: 3));

        Assert.Equal(0, summary.Completed);
        var failure = Assert.Single(summary.Failures);
        Assert.Equal(FailureReason.Timeout, failure.Reason);
        Assert.Equal(4, failure.Count);
        Assert.Equal("no complete response within 3 s", failure.Example);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_kept_alive_connection_the_server_closed_or_reset_is_retried_on_a_new_one(string engine)
    {
        // To the client, the kept-alive connection ends before any byte of the response (a FIN, then a RST on a read):
        // the server shut it while it was idle, and the request goes again on a new connection, as in ab.
        foreach (var end in new Action<Socket>[] { MisbehavingServer.Close, MisbehavingServer.Reset })
        {
            await using var server = MisbehavingServer.AnsweringOnceThenEnding(Ok, end);
            var (run, summary) = await RunAsync(new RequestTemplate(server.Url, HttpMethod.Get), Settings(engine, requests: 5));

            Assert.Equal(5, summary.Completed);
            Assert.Equal(0, summary.Failed);
            Assert.Equal(5, server.Connections);
            Assert.All(run.Samples, s => Assert.True(s.ConnectTicks > 0 && !s.ReusedConnection));
        }
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task A_request_is_retried_once_only(string engine)
    {
        // The first connection answers once and then closes; every later one closes without answering.
        var connections = 0;
        await using var server = MisbehavingServer.Custom(async (socket, ct) =>
        {
            var first = Interlocked.Increment(ref connections) == 1;
            await MisbehavingServer.ReadRequestAsync(socket, ct);
            if (first)
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes(Ok), ct);
                await MisbehavingServer.ReadRequestAsync(socket, ct);
            }

            socket.Shutdown(SocketShutdown.Both);
        });
        var (run, summary) = await RunAsync(new RequestTemplate(server.Url, HttpMethod.Get), Settings(engine, requests: 2));

        Assert.Equal(1, summary.Completed);
        Assert.Equal(FailureReason.ClosedBeforeResponse, Assert.Single(summary.Failures).Reason);
        Assert.Equal(2, server.Connections);
        Assert.Equal(SampleOutcome.Failed, run.Samples[1].Outcome);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Localhost_reaches_a_server_on_127_0_0_1_whatever_it_resolves_to_first(string engine)
    {
        // A connection per request, so that every request connects through the address the previous one found.
        await using var server = MisbehavingServer.AnsweringOnceAndClosing("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        var url = new UriBuilder(server.Url) { Host = "localhost" }.Uri;
        var (_, summary) = await RunAsync(new RequestTemplate(url, HttpMethod.Get), Settings(engine, requests: 6, concurrency: 2));

        Assert.Equal(6, summary.Completed);
        Assert.Equal(0, summary.Failed);
        Assert.Equal(6, server.Connections);
    }

    [Theory]
    [MemberData(nameof(BenchEngines.ClosedLoopHttp), MemberType = typeof(BenchEngines))]
    public async Task Cancelling_abandons_what_is_in_flight_and_sends_nothing_more(string engine)
    {
        await using var server = MisbehavingServer.Silent();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var (_, summary) = await RunAsync(new RequestTemplate(server.Url, HttpMethod.Get), Settings(engine, requests: 50, concurrency: 3, timeoutSeconds: 30), cancel.Token);

        Assert.Equal(3, summary.Abandoned);
        Assert.Equal(3, summary.Sent);
        Assert.Equal(0, summary.Failed);
    }

    [Fact]
    public void Auto_runs_closed_loop_http_on_epoll_on_linux_and_everything_else_on_the_async_engine()
    {
        var http = new Uri("http://127.0.0.1:8080/");
        var https = new Uri("https://127.0.0.1:8443/");
        var auto = new LoadSettings();

        Assert.Equal(OperatingSystem.IsLinux() ? ClientEngine.Epoll : ClientEngine.Async, auto.EngineFor(http));
        Assert.Equal(ClientEngine.Async, auto.EngineFor(https));
        Assert.Equal(ClientEngine.Async, (auto with { Rate = 100 }).EngineFor(http));
        Assert.Equal(ClientEngine.Async, (auto with { Engine = ClientEngine.Async }).EngineFor(http));
        Assert.Throws<ArgumentException>(() => (auto with { Engine = ClientEngine.Epoll }).EngineFor(https));
    }

    /// <summary>Reads one request's head and its Content-Length body, slowly; null when the client closed first.</summary>
    private static async Task<byte[]?> ReadBodyAsync(Socket socket, CancellationToken ct)
    {
        const int SlowReadBytes = 64 * 1024;
        var buffer = new byte[SlowReadBytes];
        var head = new List<byte>();
        int end;
        while ((end = IndexOfEndOfHead(head)) < 0)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(0, 1), ct);
            if (read == 0)
            {
                return null;
            }

            head.Add(buffer[0]);
        }

        var text = Encoding.ASCII.GetString([.. head]);
        var lengthLine = text.Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var body = new byte[int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)];
        for (var at = 0; at < body.Length;)
        {
            var read = await socket.ReceiveAsync(body.AsMemory(at, Math.Min(SlowReadBytes, body.Length - at)), ct);
            if (read == 0)
            {
                return null;
            }

            at += read;
            await Task.Delay(1, ct);
        }

        return body;
    }

    private static int IndexOfEndOfHead(List<byte> head) =>
        head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n' ? head.Count : -1;
}
