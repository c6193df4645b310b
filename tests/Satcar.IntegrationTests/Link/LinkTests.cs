using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Dapr.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Link;

/// <summary>
/// <c>satcar link</c> between an app and its satcar: an unmodified client talks to the link as to a
/// local sidecar and reaches the satcar (with a token) behind it.
/// </summary>
public sealed class LinkTests : IAsyncLifetime
{
    private const string Token = "satcar-api-token-for-link-tests";

    private readonly TempDirectory _dir = new();
    private FakeApp _app = null!;
    private SatcarProcess _satcar = null!;
    private SatcarProcess _link = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _app = await FakeApp.StartAsync("127.0.0.3");
        _dir.Write("resources/state.yaml", TestComponents.InMemoryState());
        _satcar = await SatcarProcess.RunAsync(
            ["--app-id", "linked", "--app-url", _app.BaseUri.ToString().TrimEnd('/'), "--resources-path", Path.Combine(_dir.Path, "resources")],
            new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = Token, ["APP_API_TOKEN"] = "app-token" },
            host: "127.0.0.2");
        _link = await StartLinkAsync(_satcar.BaseUri);
        _client = new HttpClient { BaseAddress = LinkUri(_link), Timeout = TimeSpan.FromSeconds(10) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _link.DisposeAsync();
        await _satcar.DisposeAsync();
        await _app.DisposeAsync();
        _dir.Dispose();
    }

    private static Uri LinkUri(SatcarProcess link) => new($"http://127.0.0.1:{link.HttpPort}");

    private static async Task<SatcarProcess> StartLinkAsync(Uri satcar)
    {
        var port = Ports.Free();
        var link = SatcarProcess.Start(["link", "--satcar-url", satcar.ToString(), "--dapr-http-port", port.ToString()],
            new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = Token }, port);
        using var probe = new HttpClient();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            try
            {
                using var response = await probe.GetAsync($"http://127.0.0.1:{port}/satcar-link/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return link;
                }
            }
            catch (HttpRequestException) when (!link.HasExited)
            {
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"the link did not start. Output:\n{link.Output}");
    }

    [Fact]
    public async Task The_app_reaches_the_satcar_without_knowing_its_token()
    {
        Assert.Equal(HttpStatusCode.NoContent, (await _client.GetAsync("/v1.0/healthz")).StatusCode);
        using var saved = await _client.PostAsync("/v1.0/state/statestore", new StringContent("""[{"key":"orders/1","value":{"n":1}}]""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);

        // The request target travels byte for byte: an encoded slash stays one key.
        Assert.Equal("""{"n":1}""", await _client.GetStringAsync("/v1.0/state/statestore/orders%2F1"));
        using var metadata = JsonDocument.Parse(await _client.GetStringAsync("/v1.0/metadata"));
        Assert.Equal("linked", metadata.RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Invocation_through_the_link_reaches_the_app_with_its_own_token_only()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/invoke/linked/method/echo/hello?q=1") { Content = new StringContent("ping", Encoding.UTF8, "text/plain") };
        request.Headers.Add("Connection", "X-Hop");
        request.Headers.Add("X-Hop", "dropped");
        request.Headers.Add("X-Kept", "kept");
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ping", await response.Content.ReadAsStringAsync());

        var seen = _app.Requests.Last(r => r.Path == "/echo/hello");
        Assert.Equal("?q=1", seen.Query);
        Assert.Equal(["app-token"], seen.Header("dapr-api-token"));
        Assert.Empty(seen.Header("X-Hop"));
        Assert.Equal("kept", seen.Header("X-Kept").Single());
    }

    [Fact]
    public async Task A_large_body_streams_through_link_and_satcar()
    {
        var body = new byte[2 * 1024 * 1024];
        Random.Shared.NextBytes(body);
        using var response = await _client.PostAsync("/v1.0/invoke/linked/method/echo/large", new ByteArrayContent(body));
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task The_dotnet_sdk_works_through_the_link()
    {
        using var dapr = new DaprClientBuilder().UseHttpEndpoint(LinkUri(_link).ToString()).Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await dapr.WaitForSidecarAsync(timeout.Token);
        Assert.True(await dapr.CheckHealthAsync());
        using var http = DaprClient.CreateInvokeHttpClient("linked", LinkUri(_link).ToString());
        Assert.Contains("/via-sdk", await http.GetStringAsync("/via-sdk"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_satcar_down_the_link_answers_a_json_error_within_a_second()
    {
        var downPort = Ports.Free("127.0.0.2");
        await using var orphan = await StartLinkAsync(new Uri($"http://127.0.0.2:{downPort}"));
        using var client = new HttpClient { BaseAddress = LinkUri(orphan), Timeout = TimeSpan.FromSeconds(5) };
        await AssertUnreachableWithinASecondAsync(client, "/v1.0/healthz");

        using var health = await client.GetAsync("/satcar-link/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_satcar_killed_behind_a_kept_alive_pool_is_reported_within_a_second()
    {
        _dir.Write("resources-victim/state.yaml", TestComponents.InMemoryState());
        await using var victim = await SatcarProcess.RunAsync(
            ["--app-id", "victim", "--resources-path", Path.Combine(_dir.Path, "resources-victim")],
            new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = Token },
            host: "127.0.0.4");
        await using var link = await StartLinkAsync(victim.BaseUri);
        using var client = new HttpClient { BaseAddress = LinkUri(link), Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < 3; i++)
        {
            // The link's pool now holds kept-alive connections to the satcar.
            using var ok = await client.GetAsync("/v1.0/metadata");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        await victim.KillAsync();
        await AssertUnreachableWithinASecondAsync(client, "/v1.0/metadata");
    }

    /// <summary>
    /// The bound: the app learns within a second, as a Dapr-style JSON error, that its satcar is gone
    /// (a liveness bound, not a benchmark).
    /// </summary>
    private static async Task AssertUnreachableWithinASecondAsync(HttpClient client, string path)
    {
        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync(path);
        watch.Stop();
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("ERR_SATCAR_UNREACHABLE", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_link_hosted_inside_a_dotnet_app_forwards_the_same_way()
    {
        var port = Ports.Free();
        using var host = Host.CreateDefaultBuilder()
            .ConfigureServices(services => services.AddSatcarLink(link =>
            {
                link.SatcarUrl = _satcar.BaseUri;
                link.HttpPort = port;
                link.GrpcPort = null; // not the default 50001, which something else on the machine may hold
                link.ApiToken = Token;
            }))
            .Build();
        await host.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using var metadata = JsonDocument.Parse(await client.GetStringAsync("/v1.0/metadata"));
            Assert.Equal("linked", metadata.RootElement.GetProperty("id").GetString());
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Bad_flags_stop_the_link_and_are_named()
    {
        var (missing, missingOutput) = await SatcarProcess.RunToExitAsync(["link"]);
        Assert.Equal(2, missing);
        Assert.Contains("--satcar-url", missingOutput, StringComparison.Ordinal);

        var (bad, badOutput) = await SatcarProcess.RunToExitAsync(["link", "--satcar-url", "ftp://nowhere", "--dapr-http-port", Ports.Free().ToString()]);
        Assert.Equal(1, bad);
        Assert.Contains("--satcar-url must be an absolute http:// or https:// URL", badOutput, StringComparison.Ordinal);

        var (badEnv, badEnvOutput) = await SatcarProcess.RunToExitAsync(
            ["link", "--satcar-url", "http://127.0.0.1:1"], new Dictionary<string, string?> { ["DAPR_HTTP_PORT"] = "35OO" });
        Assert.Equal(2, badEnv);
        Assert.Contains("DAPR_HTTP_PORT must be a port number (0-65535); got '35OO'", badEnvOutput, StringComparison.Ordinal);
    }
}
