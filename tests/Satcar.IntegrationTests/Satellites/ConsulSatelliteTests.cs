using System.Net;
using System.Text;
using Satcar.Testing;
using Satcar.Testing.Consul;

namespace Satcar.IntegrationTests.Satellites;

/// <summary>
/// The seed's setup: satcars on separate hosts finding each other through Consul, configured with the
/// seed's own Configuration file verbatim (only <c>${CONSUL_HOST}</c> and <c>${CONSUL_PORT}</c> come
/// from the environment). Consul is the in-process double, which follows Consul's documented API.
/// </summary>
public sealed class ConsulSatelliteTests : IAsyncLifetime
{
    private static readonly string SeedConfiguration =
        File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests", "Satcar.Tests", "Resources", "Seed", "config.yaml.tpl"));

    private readonly SatelliteTopology _topology = new(SeedConfiguration);
    private ConsulDouble _consul = null!;
    private Dictionary<string, string?> _environment = null!;

    public async Task InitializeAsync()
    {
        _consul = await ConsulDouble.StartAsync();
        _environment = new() { ["CONSUL_HOST"] = "127.0.0.1", ["CONSUL_PORT"] = _consul.Port.ToString() };
    }

    public async Task DisposeAsync()
    {
        await _topology.DisposeAsync();
        await _consul.DisposeAsync();
    }

    private async Task<(FakeApp App, SatcarProcess Satcar)> OrderStoreAsync(FakeApp? app = null, int? peerPort = null)
    {
        app ??= await _topology.AppAsync("127.0.0.3");
        var satcar = await _topology.SatcarAsync("orderstore", "127.0.0.4", app,
            ["--resources-path", _topology.StateStore("orderstore")], _environment, peerPort: peerPort);
        return (app, satcar);
    }

    private static StringContent Order(int id) => new($$$"""{"data":{"orderId":{{{id}}}}}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_seeds_registration_lands_in_consul_and_app1_reaches_app2_through_it()
    {
        var (app2, satcar2) = await OrderStoreAsync();
        var satcar1 = await _topology.SatcarAsync("orderpublisher", "127.0.0.2", environment: _environment);

        // Exactly the seed's advancedRegistration, with DAPR_PORT forced to the peer port.
        var registered = _consul.Services.Single(s => s.Name == "orderstore");
        Assert.Equal("127.0.0.4", registered.Address);
        Assert.Equal(app2.Port, registered.Port);
        Assert.Equal(["dapr"], registered.Tags);
        Assert.Equal("9090", registered.Meta["DAPR_METRICS_PORT"]);
        Assert.Equal("7777", registered.Meta["DAPR_PROFILE_PORT"]);
        Assert.True(int.Parse(registered.Meta["DAPR_PORT"]) > 0);

        using var client = new HttpClient { BaseAddress = satcar1.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        using var invoked = await client.PostAsync("/v1.0/invoke/orderstore/method/echo/neworder", Order(7));
        Assert.Equal(HttpStatusCode.OK, invoked.StatusCode);
        var seen = app2.Requests.Single(r => r.Path == "/echo/neworder");
        Assert.Equal("orderpublisher", seen.Header("dapr-caller-app-id").Single());

        // State the second app writes through its satcar reads back there.
        using var store = new HttpClient { BaseAddress = satcar2.BaseUri };
        Assert.Equal(HttpStatusCode.NoContent, (await store.PostAsync("/v1.0/state/statestore", new StringContent("""[{"key":"order","value":{"orderId":7}}]"""))).StatusCode);
        Assert.Equal("""{"orderId":7}""", await store.GetStringAsync("/v1.0/state/statestore/order"));

        // The seed's queryOptions.useCache is Consul's agent cache: resolution asks with ?cached.
        Assert.Contains(_consul.Requests, r => r.Path == "/v1/health/service/orderstore" && r.HasQuery("cached"));
    }

    [Fact]
    public async Task A_killed_satcar_fails_fast_and_its_restart_replaces_the_registration()
    {
        var peerPort = Ports.Free("127.0.0.4");
        var (app2, satcar2) = await OrderStoreAsync(peerPort: peerPort);
        var satcar1 = await _topology.SatcarAsync("orderpublisher", "127.0.0.2", environment: _environment);
        using var client = new HttpClient { BaseAddress = satcar1.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1.0/invoke/orderstore/method/echo/1", Order(1))).StatusCode);

        await satcar2.KillAsync();
        using (var failed = await client.PostAsync("/v1.0/invoke/orderstore/method/echo/2", Order(2)))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Contains("ERR_DIRECT_INVOKE", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await OrderStoreAsync(app2, Ports.Free("127.0.0.4"));
        for (var i = 0; i < 10; i++)
        {
            using var again = await client.PostAsync($"/v1.0/invoke/orderstore/method/echo/again{i}", Order(i));
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        var instances = _consul.Services.Where(s => s.Name == "orderstore").ToList();
        Assert.Single(instances);
        Assert.NotEqual(peerPort.ToString(), instances[0].Meta["DAPR_PORT"]);
    }

    [Fact]
    public async Task A_satcar_started_while_consul_is_down_registers_once_it_is_back()
    {
        await _consul.StopListeningAsync();
        var (_, _) = await OrderStoreAsync();
        Assert.DoesNotContain(_consul.Services, s => s.Name == "orderstore");

        await _consul.StartListeningAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_consul.Services.Any(s => s.Name == "orderstore") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Contains(_consul.Services, s => s.Name == "orderstore");
        var satcar1 = await _topology.SatcarAsync("orderpublisher", "127.0.0.2", environment: _environment);
        using var client = new HttpClient { BaseAddress = satcar1.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1.0/invoke/orderstore/method/echo/late", Order(3))).StatusCode);
    }

    [Fact]
    public async Task A_stopping_satcar_deregisters_from_consul()
    {
        var (_, satcar2) = await OrderStoreAsync();
        Assert.Contains(_consul.Services, s => s.Name == "orderstore");
        Assert.Equal(0, await satcar2.TerminateAsync(TimeSpan.FromSeconds(15)));
        Assert.DoesNotContain(_consul.Services, s => s.Name == "orderstore");
    }

    [Fact]
    public async Task With_consul_down_invocations_fail_fast_with_a_resolution_error()
    {
        await OrderStoreAsync();
        var satcar1 = await _topology.SatcarAsync("orderpublisher", "127.0.0.2", environment: _environment);
        await _consul.StopListeningAsync();
        using var client = new HttpClient { BaseAddress = satcar1.BaseUri, Timeout = TimeSpan.FromSeconds(15) };
        using var response = await client.PostAsync("/v1.0/invoke/orderstore/method/echo/x", Order(4));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("cannot resolve app id orderstore", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_apps_health_is_a_second_check_and_an_unhealthy_app_is_not_served()
    {
        var healthy = true;
        var app2 = await _topology.AppAsync("127.0.0.3", (context, _) =>
        {
            if (context.Request.Path != "/healthz")
            {
                return Task.FromResult(false);
            }

            context.Response.StatusCode = healthy ? 200 : 500;
            return Task.FromResult(true);
        });
        await _topology.SatcarAsync("orderstore", "127.0.0.4", app2,
            ["--enable-app-health-check", "--app-health-probe-interval", "1", "--app-health-threshold", "1", "--app-health-probe-timeout", "2000"], _environment);
        var satcar1 = await _topology.SatcarAsync("orderpublisher", "127.0.0.2", environment: _environment);
        using var client = new HttpClient { BaseAddress = satcar1.BaseUri, Timeout = TimeSpan.FromSeconds(10) };

        await Eventually(() => _consul.Checks.Any(c => c.ServiceName == "orderstore" && c.Type == "ttl" && c.Status == ConsulHealth.Passing));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1.0/invoke/orderstore/method/work")).StatusCode);

        healthy = false;
        await Eventually(() => _consul.Checks.Any(c => c.ServiceName == "orderstore" && c.Type == "ttl" && c.Status == ConsulHealth.Critical));
        using var refused = await client.GetAsync("/v1.0/invoke/orderstore/method/work");
        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        Assert.Contains("no healthy instance of app orderstore", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        healthy = true;
        await Eventually(() => _consul.Checks.Any(c => c.ServiceName == "orderstore" && c.Type == "ttl" && c.Status == ConsulHealth.Passing));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1.0/invoke/orderstore/method/work")).StatusCode);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 20 s");
            await Task.Delay(100);
        }
    }
}
