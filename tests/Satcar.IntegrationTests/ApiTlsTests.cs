using System.Net;
using System.Text;
using Dapr.Client;
using Grpc.Net.Client;
using Satcar.Testing;

namespace Satcar.IntegrationTests;

/// <summary>
/// <c>--api-tls-cert-file</c> / <c>--api-tls-key-file</c>: the Dapr HTTP and gRPC API ports serve TLS only, so a link or
/// an app on another host reaches its satcar without the API token crossing the network in clear.
/// </summary>
public sealed class ApiTlsTests : IAsyncLifetime
{
    private const string Token = "api-token-over-tls";

    private readonly TempDirectory _dir = new();
    private TestCertificates _certificates = null!;
    private SatcarProcess _satcar = null!;
    private Uri _https = null!;

    public async Task InitializeAsync()
    {
        _certificates = TestCertificates.Create(Path.Combine(_dir.Path, "certs"), "127.0.0.1");
        _dir.Write("resources/state.yaml", TestComponents.InMemoryState());
        var port = Ports.Free();
        _satcar = SatcarProcess.Start(
            ["run", "--app-id", "tls", "--dapr-http-port", port.ToString(), "--dapr-listen-addresses", "127.0.0.1",
             "--resources-path", Path.Combine(_dir.Path, "resources"),
             "--api-tls-cert-file", _certificates.CertFile, "--api-tls-key-file", _certificates.KeyFile],
            new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = Token }, port);
        _https = new Uri($"https://127.0.0.1:{port}");
        using var probe = new HttpClient(_certificates.TrustingHandler()) { BaseAddress = _https, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            Assert.False(_satcar.HasExited, $"the satcar exited:\n{_satcar.Output}");
            try
            {
                using var response = await probe.GetAsync("/v1.0/healthz/outbound");
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, $"the satcar did not answer over https within 30 s:\n{_satcar.Output}");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        await _satcar.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_http_api_answers_over_https_and_not_in_clear()
    {
        using var client = new HttpClient(_certificates.TrustingHandler()) { BaseAddress = _https };
        client.DefaultRequestHeaders.Add("dapr-api-token", Token);
        using (var save = await client.PostAsync("/v1.0/state/statestore", new StringContent("""[{"key":"k","value":"secret order"}]""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.NoContent, save.StatusCode);
        }

        Assert.Equal("\"secret order\"", await client.GetStringAsync("/v1.0/state/statestore/k"));

        using var clear = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        clear.DefaultRequestHeaders.Add("dapr-api-token", Token);
        var plain = new UriBuilder(_https) { Scheme = "http" }.Uri;
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => clear.GetAsync(new Uri(plain, "/v1.0/state/statestore/k")));
    }

    [Fact]
    public async Task Dapr_client_reaches_the_grpc_port_over_tls()
    {
        using var client = new DaprClientBuilder()
            .UseHttpEndpoint(_https.ToString())
            .UseGrpcEndpoint($"https://127.0.0.1:{_satcar.GrpcPort}")
            .UseGrpcChannelOptions(new GrpcChannelOptions { HttpHandler = _certificates.TrustingHandler() })
            .UseDaprApiToken(Token)
            .Build();

        await client.SaveStateAsync("statestore", "g", "over grpc and tls");
        Assert.Equal("over grpc and tls", await client.GetStateAsync<string>("statestore", "g"));
    }

    [Fact]
    public async Task A_link_given_the_ca_carries_the_apps_calls_to_the_satcar_over_https()
    {
        var linkPort = Ports.Free();
        await using var link = SatcarProcess.Start(
            ["link", "--satcar-url", _https.ToString(), "--satcar-ca-file", _certificates.CaFile, "--dapr-http-port", linkPort.ToString(), "--no-grpc"],
            new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = Token }, linkPort);
        using var app = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{linkPort}"), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpResponseMessage? save = null;
        while (save?.StatusCode != HttpStatusCode.NoContent)
        {
            Assert.False(link.HasExited, $"the link exited:\n{link.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"no state saved through the link within 30 s (last: {save?.StatusCode}):\n{link.Output}");
            save?.Dispose();
            try
            {
                save = await app.PostAsync("/v1.0/state/statestore", new StringContent("""[{"key":"l","value":"through the link"}]""", Encoding.UTF8, "application/json"));
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        save.Dispose();
        Assert.Equal("\"through the link\"", await app.GetStringAsync("/v1.0/state/statestore/l"));
    }

    [Fact]
    public async Task A_certificate_that_cannot_be_loaded_stops_the_start_and_names_the_flag()
    {
        var broken = _dir.Write("broken.pem", "not a certificate");
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(
            ["run", "--app-id", "tls-broken", "--api-tls-cert-file", broken, "--api-tls-key-file", broken]);

        Assert.Equal(1, exitCode);
        Assert.Contains("--api-tls-cert-file: cannot load the certificate and its key", output, StringComparison.Ordinal);
    }
}
