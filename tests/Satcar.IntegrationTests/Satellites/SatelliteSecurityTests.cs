using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Satcar.Runtime.Invocation;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Satellites;

/// <summary>Tokens, TLS and app health across satcars.</summary>
public sealed class SatelliteSecurityTests : IAsyncLifetime
{
    private readonly SatelliteTopology _topology = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _topology.DisposeAsync();

    private string Database => Path.Combine(_topology.Directory.Path, "name-resolution.db");

    /// <summary>Registers a row by hand, as a satcar would, kept fresh for an hour.</summary>
    private async Task RegisterAsync(string appId, string address)
    {
        // The satcars create the table; wait for it.
        await using var db = new SqliteConnection($"Data Source={Database}");
        await db.OpenAsync();
        await using var insert = db.CreateCommand();
        insert.CommandText = "REPLACE INTO hosts (registration_id, address, app_id, namespace, last_update) VALUES ($id, $address, $app, '', $until)";
        insert.Parameters.AddWithValue("$id", Guid.NewGuid().ToString());
        insert.Parameters.AddWithValue("$address", address);
        insert.Parameters.AddWithValue("$app", appId);
        insert.Parameters.AddWithValue("$until", DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds());
        await insert.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Neither_the_callers_api_token_nor_its_app_token_leaves_its_satcar()
    {
        var app2 = await _topology.AppAsync("127.0.0.3");
        await _topology.SatcarAsync("app2", "127.0.0.4", app2, environment: new Dictionary<string, string?> { ["APP_API_TOKEN"] = "app2-own-token" });
        var satcar1 = await _topology.SatcarAsync("app1", "127.0.0.2", environment: new Dictionary<string, string?>
        {
            ["DAPR_API_TOKEN"] = "satcar1-api-token",
            ["APP_API_TOKEN"] = "app1-own-token",
        });

        // A spy standing where a peer would be: it records exactly what satcar1 sends to a peer.
        var spy = await _topology.AppAsync("127.0.0.5");
        await RegisterAsync("spy", spy.BaseUri.Authority);

        using var client = new HttpClient { BaseAddress = satcar1.BaseUri };
        foreach (var target in new[] { "app2", "spy" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1.0/invoke/{target}/method/tokens") { Content = new StringContent("x") };
            request.Headers.Add("dapr-api-token", "satcar1-api-token");
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var atApp2 = app2.Requests.Single(r => r.Path == "/tokens");
        Assert.Equal(["app2-own-token"], atApp2.Header("dapr-api-token"));

        var atPeer = spy.Requests.Single(r => r.Path == "/v1.0/invoke/spy/method/tokens");
        Assert.Empty(atPeer.Header("dapr-api-token"));
        Assert.Equal([_topology.PeerSecret], atPeer.Header(PeerForwarder.TokenHeader));
        foreach (var recorded in new[] { atApp2, atPeer })
        {
            var all = string.Join("\n", recorded.Headers.SelectMany(h => h.Value));
            Assert.DoesNotContain("satcar1-api-token", all, StringComparison.Ordinal);
            Assert.DoesNotContain("app1-own-token", all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_a_peer_secret_peer_calls_are_off_with_a_clear_error()
    {
        var satcar = await _topology.SatcarAsync("lonely", "127.0.0.2", withPeerSecret: false);
        using var client = new HttpClient { BaseAddress = satcar.BaseUri };
        using var response = await client.GetAsync("/v1.0/invoke/other/method/ping");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("SATCAR_PEER_SECRET", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusing_instance_is_reported_and_the_next_instance_takes_the_call()
    {
        // Stands for a satcar whose address now belongs to another app: it refuses, marked as a refusal.
        var refusing = await _topology.AppAsync("127.0.0.5", async (context, _) =>
        {
            context.Response.StatusCode = 404;
            context.Response.Headers[PeerForwarder.RefusalHeader] = "1";
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"errorCode":"ERR_DIRECT_INVOKE","message":"the satcar at this address serves app other, not app2"}""");
            return true;
        });
        var app2 = await _topology.AppAsync("127.0.0.3");
        var satcar1 = await _topology.SatcarAsync("app1", "127.0.0.2");
        await RegisterAsync("app2", refusing.BaseUri.Authority);
        using var client = new HttpClient { BaseAddress = satcar1.BaseUri };

        using (var refused = await client.GetAsync("/v1.0/invoke/app2/method/ping"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
            Assert.Contains("serves app other, not app2", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await _topology.SatcarAsync("app2", "127.0.0.4", app2);
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.PostAsync($"/v1.0/invoke/app2/method/echo/{i}", new StringContent($"body {i}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"body {i}", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(10, app2.CountFor("/echo/"));
    }

    [Fact]
    public async Task While_the_remote_app_is_unhealthy_invocations_fail_fast_and_recover()
    {
        var healthy = true;
        var app2 = await _topology.AppAsync("127.0.0.3", (context, _) =>
        {
            if (context.Request.Path != "/healthz")
            {
                return Task.FromResult(false);
            }

            context.Response.StatusCode = healthy ? 200 : 503;
            return Task.FromResult(true);
        });
        var satcar2 = await _topology.SatcarAsync("app2", "127.0.0.4", app2,
            ["--enable-app-health-check", "--app-health-probe-interval", "1", "--app-health-threshold", "1", "--app-health-probe-timeout", "2000"]);
        var satcar1 = await _topology.SatcarAsync("app1", "127.0.0.2");
        using var client = new HttpClient { BaseAddress = satcar1.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        using var local = new HttpClient { BaseAddress = satcar2.BaseUri, Timeout = TimeSpan.FromSeconds(10) };

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1.0/invoke/app2/method/work")).StatusCode);

        healthy = false;
        var before = app2.CountFor("/work");
        var sick = await Eventually(async () =>
        {
            var response = await client.GetAsync("/v1.0/invoke/app2/method/work");
            return response.StatusCode == HttpStatusCode.InternalServerError ? response : null;
        });
        Assert.Contains("app is not in a healthy state", await sick.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var callsWhileSick = app2.CountFor("/work") - before;
        using (var direct = await local.GetAsync("/v1.0/invoke/app2/method/work"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, direct.StatusCode);
            Assert.Contains("app is not in a healthy state", await direct.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(callsWhileSick, app2.CountFor("/work") - before);

        using var metadata = JsonDocument.Parse(await local.GetStringAsync("/v1.0/metadata"));
        var health = metadata.RootElement.GetProperty("appConnectionProperties").GetProperty("health");
        Assert.Equal("/healthz", health.GetProperty("healthCheckPath").GetString());
        Assert.Equal(1, health.GetProperty("healthThreshold").GetInt32());

        healthy = true;
        await Eventually(async () =>
        {
            var response = await client.GetAsync("/v1.0/invoke/app2/method/work");
            return response.StatusCode == HttpStatusCode.OK ? response : null;
        });
    }

    [Fact]
    public async Task A_remote_app_over_https_is_verified_against_the_given_ca()
    {
        var certificates = TestCertificates.Create(Path.Combine(_topology.Directory.Path, "certs"), "127.0.0.3");
        var app = await FakeApp.StartAsync("127.0.0.3", certificate: certificates.Server);
        await using var _ = app;
        var url = app.BaseUri.ToString().TrimEnd('/');
        Assert.StartsWith("https://", url, StringComparison.Ordinal);

        async Task<HttpStatusCode> InvokeThrough(string appId, params string[] extra)
        {
            await using var satcar = await SatcarProcess.RunAsync(["--app-id", appId, "--app-url", url, .. extra], host: "127.0.0.2");
            using var client = new HttpClient { BaseAddress = satcar.BaseUri };
            using var response = await client.GetAsync($"/v1.0/invoke/{appId}/method/hello");
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.InternalServerError, await InvokeThrough("untrusted"));
        Assert.Equal(HttpStatusCode.OK, await InvokeThrough("trusted", "--app-tls-ca-file", certificates.CaFile));
        Assert.Equal(HttpStatusCode.OK, await InvokeThrough("insecure", "--app-tls-skip-verify"));
    }

    [Fact]
    public async Task Peers_talk_https_when_the_peer_port_has_a_certificate()
    {
        var certificates = TestCertificates.Create(Path.Combine(_topology.Directory.Path, "certs"), "127.0.0.2", "127.0.0.4");
        string[] tls = ["--peer-tls-cert-file", certificates.CertFile, "--peer-tls-key-file", certificates.KeyFile, "--peer-tls-ca-file", certificates.CaFile];
        var app2 = await _topology.AppAsync("127.0.0.3");
        var peerPort = Ports.Free("127.0.0.4");
        await _topology.SatcarAsync("app2", "127.0.0.4", app2, tls, peerPort: peerPort);
        var satcar1 = await _topology.SatcarAsync("app1", "127.0.0.2", extraArgs: tls);

        using var client = new HttpClient { BaseAddress = satcar1.BaseUri };
        using var response = await client.PostAsync("/v1.0/invoke/app2/method/echo/secure", new StringContent("over tls", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("over tls", await response.Content.ReadAsStringAsync());

        // Plain HTTP to the peer port is not answered as HTTP.
        await Assert.ThrowsAnyAsync<Exception>(() => RawHttp.SendAsync(new Uri($"http://127.0.0.4:{peerPort}"), "GET", "/v1.0/invoke/app2/method/x"));
    }

    private static async Task<HttpResponseMessage> Eventually(Func<Task<HttpResponseMessage?>> attempt)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (await attempt() is { } response)
            {
                return response;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("the expected answer did not come within 20 s");
    }
}
