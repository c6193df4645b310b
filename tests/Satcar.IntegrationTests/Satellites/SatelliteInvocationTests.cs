using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Satellites;

/// <summary>
/// The seed's picture on one machine: App1 and App2 each with a satcar on another "host" (distinct
/// loopback addresses), the satcars finding each other through the embedded SQLite resolver.
/// App1 invokes App2 by app id: App1 → satcar1 → satcar2 → App2.
/// </summary>
public sealed class SatelliteInvocationTests : IAsyncLifetime
{
    private const string Satcar1Host = "127.0.0.2";
    private const string App2Host = "127.0.0.3";
    private const string Satcar2Host = "127.0.0.4";
    private const string App1Host = "127.0.0.5";

    private readonly SatelliteTopology _topology = new();
    private FakeApp _app1 = null!;
    private FakeApp _app2 = null!;
    private SatcarProcess _satcar1 = null!;
    private SatcarProcess _satcar2 = null!;
    private HttpClient _client = null!;
    private int _satcar2PeerPort;
    private string _satcar2ApiBase = "";

    public async Task InitializeAsync()
    {
        // App2 is the seed's order store: it saves each order through its own satcar.
        _app2 = await _topology.AppAsync(App2Host, async (context, body) =>
        {
            if (context.Request.Path != "/neworder")
            {
                return false;
            }

            using var order = JsonDocument.Parse(body);
            var orderId = order.RootElement.GetProperty("data").GetProperty("orderId").GetInt32();
            using var http = new HttpClient();
            using var saved = await http.PostAsync($"{_satcar2ApiBase}/v1.0/state/statestore",
                new StringContent($$$"""[{"key":"order","value":{"orderId":{{{orderId}}}}}]""", Encoding.UTF8, "application/json"));
            context.Response.StatusCode = saved.IsSuccessStatusCode ? 200 : 500;
            await context.Response.WriteAsync($"Successfully persisted state for Order ID: {orderId}");
            return true;
        });
        _satcar2PeerPort = Ports.Free(Satcar2Host);
        _satcar2 = await StartSatcar2Async();

        // App1 is the seed's order publisher: POST /send/{n} makes it send order n to App2 through its own satcar.
        var satcar1Api = "";
        _app1 = await _topology.AppAsync(App1Host, async (context, body) =>
        {
            if (!context.Request.Path.StartsWithSegments("/send", out var rest))
            {
                return false;
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
            using var sent = await http.PostAsync($"{satcar1Api}/v1.0/invoke/orderstore/method/neworder",
                new StringContent($$$"""{"data":{"orderId":{{{rest.Value!.Trim('/')}}}}}""", Encoding.UTF8, "application/json"));
            context.Response.StatusCode = (int)sent.StatusCode;
            await context.Response.WriteAsync(await sent.Content.ReadAsStringAsync());
            return true;
        });
        _satcar1 = await _topology.SatcarAsync("app1", Satcar1Host, _app1);
        satcar1Api = _satcar1.BaseUri.ToString().TrimEnd('/');
        _client = new HttpClient { BaseAddress = _satcar1.BaseUri, Timeout = TimeSpan.FromSeconds(15) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _topology.DisposeAsync();
    }

    private async Task<SatcarProcess> StartSatcar2Async()
    {
        var satcar = await _topology.SatcarAsync("orderstore", Satcar2Host, _app2,
            ["--resources-path", _topology.StateStore("orderstore")], peerPort: _satcar2PeerPort);
        _satcar2ApiBase = satcar.BaseUri.ToString().TrimEnd('/');
        return satcar;
    }

    private Task<HttpResponseMessage> NewOrder(int orderId) =>
        _client.PostAsync("/v1.0/invoke/orderstore/method/neworder", new StringContent($$$"""{"data":{"orderId":{{{orderId}}}}}""", Encoding.UTF8, "application/json"));

    private static async Task<string> ErrorCode(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("errorCode").GetString()!;
    }

    [Fact]
    public async Task App1_invokes_app2_through_both_satcars_and_app2s_state_reads_back()
    {
        // Four hosts: App1 (127.0.0.5) → satcar1 (.2) → satcar2 (.4) → App2 (.3).
        using var app1 = new HttpClient { BaseAddress = _app1.BaseUri, Timeout = TimeSpan.FromSeconds(15) };
        using var response = await app1.PostAsync("/send/42", content: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Successfully persisted state for Order ID: 42", await response.Content.ReadAsStringAsync());

        var seen = _app2.Requests.Single(r => r.Path == "/neworder");
        Assert.Equal("app1", seen.Header("dapr-caller-app-id").Single());
        Assert.Equal("orderstore", seen.Header("dapr-callee-app-id").Single());
        Assert.Empty(seen.Header(Satcar.Runtime.Invocation.PeerForwarder.TokenHeader));
        Assert.Equal(App2Host, new Uri($"http://{seen.Header("Host").Single()}").Host);

        using var satcar2 = new HttpClient { BaseAddress = _satcar2.BaseUri };
        Assert.Equal("""{"orderId":42}""", await satcar2.GetStringAsync("/v1.0/state/statestore/order"));
    }

    [Fact]
    public async Task Verb_query_headers_and_body_cross_both_hops_and_traceparent_passes_through()
    {
        const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1.0/invoke/orderstore/method/echo/thing?x=1&y=%20")
        {
            Content = new StringContent("payload", Encoding.UTF8, "text/plain"),
        };
        request.Headers.Add("traceparent", Traceparent);
        request.Headers.Add("X-Custom", "kept");
        request.Headers.Add("dapr-caller-app-id", "spoofed");
        request.Headers.Add("Connection", "X-Hop");
        request.Headers.Add("X-Hop", "dropped");
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("payload", await response.Content.ReadAsStringAsync());

        var seen = _app2.Requests.Last(r => r.Path == "/echo/thing");
        Assert.Equal("PUT", seen.Method);
        Assert.Equal("?x=1&y=%20", seen.Query);
        Assert.Equal(Traceparent, seen.Header("traceparent").Single());
        Assert.Equal("kept", seen.Header("X-Custom").Single());
        Assert.Equal("app1", seen.Header("dapr-caller-app-id").Single());
        Assert.Empty(seen.Header("X-Hop"));
        Assert.NotEmpty(seen.Header("X-Forwarded-For"));
    }

    [Fact]
    public async Task A_killed_satcar_fails_fast_with_daprs_error_and_a_restarted_one_serves_again()
    {
        using (var first = await NewOrder(1))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await _satcar2.KillAsync();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using (var failed = await NewOrder(2))
        {
            watch.Stop();
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Equal("ERR_DIRECT_INVOKE", await ErrorCode(failed));
        }

        // Fast, not a hang: the dead satcar's port refuses at once (a liveness bound, not a benchmark).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");

        _satcar2 = await StartSatcar2Async();
        for (var i = 0; i < 20; i++)
        {
            using var again = await NewOrder(100 + i);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        // One live row for the app: the restarted satcar took over the address of the killed one.
        await using var db = new SqliteConnection($"Data Source={Path.Combine(_topology.Directory.Path, "name-resolution.db")}");
        await db.OpenAsync();
        await using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM hosts WHERE app_id = 'orderstore'";
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_satcar_that_stops_cleanly_deregisters_at_once()
    {
        Assert.Equal(0, await _satcar2.TerminateAsync(TimeSpan.FromSeconds(15)));
        using var failed = await NewOrder(3);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Contains("no healthy instance of app orderstore", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_app_id_fails_at_once_and_an_invalid_one_is_refused()
    {
        using var unknown = await _client.GetAsync("/v1.0/invoke/nobody/method/ping");
        Assert.Equal(HttpStatusCode.InternalServerError, unknown.StatusCode);
        Assert.Equal("ERR_DIRECT_INVOKE", await ErrorCode(unknown));
        Assert.Contains("no healthy instance of app nobody", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var invalid = await _client.GetAsync("/v1.0/invoke/or%20der/method/ping");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("ERR_DIRECT_INVOKE", await ErrorCode(invalid));
        Assert.Contains("invalid app id", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, _app2.CountFor("/ping"));
    }

    [Theory]
    [InlineData("/v1.0/invoke/orderstore/method/public/..%2Fadmin", "ERR_DIRECT_INVOKE")]
    [InlineData("/v1.0/invoke/orderstore/method/public%2F%2e%2e%2Fadmin", "ERR_DIRECT_INVOKE")]
    [InlineData("/v1.0/invoke/orderstore/method/%2e%2e/admin", "ERR_BAD_REQUEST")]
    public async Task Traversal_never_reaches_the_other_app(string target, string errorCode)
    {
        // Traversal inside the method is an invalid method; a dot segment of the path itself is refused before routing.
        var (status, response) = await RawHttp.SendAsync(_satcar1.BaseUri, "GET", target);
        Assert.True(status == 400, response);
        Assert.Contains($"\"errorCode\":\"{errorCode}\"", response, StringComparison.Ordinal);
        Assert.Equal(0, _app2.CountFor("/admin"));
    }

    [Fact]
    public async Task An_oversized_body_never_reaches_the_other_app()
    {
        using var response = await _client.PostAsync("/v1.0/invoke/orderstore/method/echo/big", new ByteArrayContent(new byte[(4 * 1024 * 1024) + 1]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ERR_BODY_READ", await ErrorCode(response));
        Assert.Equal(0, _app2.CountFor("/echo/big"));
    }

    [Fact]
    public async Task A_large_body_streams_across_both_hops()
    {
        var body = new byte[3 * 1024 * 1024];
        Random.Shared.NextBytes(body);
        using var response = await _client.PostAsync("/v1.0/invoke/orderstore/method/echo/large", new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-secret-0123456789")]
    public async Task A_peer_call_without_the_secret_is_refused_and_the_app_is_not_called(string? secret)
    {
        var headers = secret is null ? [] : new[] { $"satcar-peer-token: {secret}" };
        var (status, response) = await RawHttp.SendAsync(new Uri($"http://{Satcar2Host}:{_satcar2PeerPort}"), "POST",
            "/v1.0/invoke/orderstore/method/neworder", ["Content-Length: 0", .. headers]);
        Assert.True(status == 401, response);
        Assert.Contains("ERR_PEER_UNAUTHENTICATED", response, StringComparison.Ordinal);
        Assert.Equal(0, _app2.CountFor("/neworder"));
    }

    [Fact]
    public async Task The_peer_port_serves_only_invocations_of_its_own_app()
    {
        var token = $"satcar-peer-token: {_topology.PeerSecret}";
        var peer = new Uri($"http://{Satcar2Host}:{_satcar2PeerPort}");
        var (other, otherResponse) = await RawHttp.SendAsync(peer, "GET", "/v1.0/invoke/app1/method/neworder", token);
        Assert.True(other == 404, otherResponse);
        Assert.Contains("satcar-peer-error", otherResponse, StringComparison.OrdinalIgnoreCase);

        var (state, _) = await RawHttp.SendAsync(peer, "GET", "/v1.0/state/statestore/order", token);
        Assert.Equal(404, state);
        Assert.Equal(0, _app2.CountFor("/neworder"));
    }
}
