using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Satcar.Components;
using Satcar.Runtime.Resources;
using Satcar.Testing;
using Satcar.Testing.Consul;
using static Satcar.Tests.NameResolution.Consul.ConsulTestSupport;

namespace Satcar.Tests.NameResolution.Consul;

/// <summary>What a satcar registers in Consul, how it keeps it, and how it leaves.</summary>
public sealed class ConsulRegistrationTests
{
    private static JsonObject SeedConfiguration(ConsulDouble consul, string appId, string hostAddress, int appPort)
    {
        var seed = Path.Combine(AppContext.BaseDirectory, "Resources", "Seed", "config.yaml.tpl");
        var set = new ResourceLoader(BuiltInComponents.CreateRegistry()).Load(new ResourceLoadRequest
        {
            ConfigFiles = [seed],
            Variables = new Dictionary<string, string>
            {
                ["CONSUL_HOST"] = "127.0.0.1",
                ["CONSUL_PORT"] = consul.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["APP_ID"] = appId,
                ["APP_PORT"] = appPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["HOST_ADDRESS"] = hostAddress,
                ["DAPR_HTTP_PORT"] = "3500",
                ["DAPR_METRICS_PORT"] = "9090",
                ["DAPR_PROFILE_PORT"] = "7777",
            },
        });
        Assert.True(set.IsValid, string.Join("\n", set.Problems));
        return set.Configuration!.NameResolution!.Configuration;
    }

    [Fact]
    public async Task The_seeds_configuration_registers_exactly_its_advanced_registration_plus_the_peer_port()
    {
        await using var consul = await ConsulDouble.StartAsync();
        var configuration = SeedConfiguration(consul, "orderstore", "satcar2.example.net", 3000);
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(configuration, appId: "orderstore", hostAddress: "satcar2.example.net", peerPort: 50002, appPort: 3000), CancellationToken.None);

        var register = Assert.Single(consul.Requests, r => r.Path == "/v1/agent/service/register");
        Assert.Equal("PUT", register.Method);
        Assert.Equal("""
            {"Name":"orderstore","Tags":["dapr"],"Port":3000,"Address":"satcar2.example.net","Meta":{"DAPR_METRICS_PORT":"9090","DAPR_PROFILE_PORT":"7777","DAPR_PORT":"50002"},"Check":null,"Checks":null}
            """.Trim(), register.Body);
        Assert.Equal("application/json", register.Headers["Content-Type"]);

        // Consul's default: no ID means the name is the ID; no checks means none run.
        var service = Assert.Single(consul.Services);
        Assert.Equal("orderstore", service.Id);
        Assert.Equal(3000, service.Port);
        Assert.Equal("satcar2.example.net", service.Address);
        Assert.Equal(["dapr"], service.Tags);
        Assert.DoesNotContain(consul.Checks, c => c.ServiceId == "orderstore");

        // The seed's queryOptions.useCache means the agent cache: resolve queries carry ?cached.
        Assert.Equal(["satcar2.example.net:50002"], await ResolveTextAsync(resolver, "orderstore"));
        var query = Assert.Single(consul.Requests, r => r.Path == "/v1/health/service/orderstore");
        Assert.True(query.HasQuery("cached"));
        Assert.Equal("1", query.Query["passing"]);
    }

    [Fact]
    public async Task Self_registration_registers_the_generated_service_and_consul_probes_the_satcars_healthz()
    {
        await using var consul = await ConsulDouble.StartAsync();
        await using var satcar = await FakeSatcarHealth.StartAsync("orders");
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true}"""), hostAddress: "127.0.0.1", daprHttpPort: satcar.Port), CancellationToken.None);

        var id = $"orders-127.0.0.1-{satcar.Port}";
        var service = consul.Service(id);
        Assert.NotNull(service);
        Assert.Equal("orders", service.Name);
        Assert.Equal(8080, service.Port);
        Assert.Equal("50002", service.Meta["DAPR_PORT"]);

        var check = consul.Check($"daprHealth:{id}");
        Assert.NotNull(check);
        Assert.Equal("Dapr Health Status", check.Name);
        Assert.Equal("15s", check.Interval);
        Assert.Equal("1m", check.DeregisterCriticalServiceAfter);
        Assert.Equal($"http://127.0.0.1:{satcar.Port}/v1.0/healthz?appid=orders", check.Http);

        await Eventually.TrueAsync(() => consul.Check($"daprHealth:{id}")?.Status == ConsulHealth.Passing, "the satcar's healthz passes");
        Assert.Contains(satcar.Requests, r => r.Path == "/v1.0/healthz" && r.Query == "?appid=orders");
        Assert.Equal(["127.0.0.1:50002"], await ResolveTextAsync(resolver, "orders"));
    }

    [Fact]
    public async Task A_reused_address_that_serves_another_app_fails_the_appid_check_and_is_not_served()
    {
        await using var consul = await ConsulDouble.StartAsync();
        await using var otherSatcar = await FakeSatcarHealth.StartAsync("payments");
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true}"""), hostAddress: "127.0.0.1", daprHttpPort: otherSatcar.Port), CancellationToken.None);

        var checkId = $"daprHealth:orders-127.0.0.1-{otherSatcar.Port}";
        await Eventually.TrueAsync(() => otherSatcar.CountFor("/v1.0/healthz") > 0 && consul.Check(checkId)?.Output.Contains("500", StringComparison.Ordinal) == true,
            "the double probed the healthz and recorded the 500");
        Assert.Equal(ConsulHealth.Critical, consul.Check(checkId)!.Status);
        Assert.Empty(await ResolveTextAsync(resolver, "orders"));
    }

    [Fact]
    public async Task Without_an_app_port_self_registration_uses_the_peer_port_instead_of_failing()
    {
        await using var consul = await ConsulDouble.StartAsync();
        var logger = new CollectingLogger();
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true}"""), logger, appPort: null, peerPort: 47123), CancellationToken.None);
        Assert.Equal(47123, Assert.Single(consul.Services).Port);
        Assert.Contains(logger.Entries, e => e.EventId == 2213);
    }

    [Fact]
    public async Task Shutdown_deregisters_what_this_satcar_registered()
    {
        await using var consul = await ConsulDouble.StartAsync();
        var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true}""")), CancellationToken.None);
        Assert.Single(consul.Services);

        await resolver.DisposeAsync();
        Assert.Empty(consul.Services);
        Assert.Contains(consul.Requests, r => r.Method == "PUT" && r.Path == "/v1/agent/service/deregister/orders-10.1.2.3-3500");
    }

    [Fact]
    public async Task Shutdown_leaves_the_registration_when_self_deregister_is_false()
    {
        await using var consul = await ConsulDouble.StartAsync();
        var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true,"selfDeregister":false}""")), CancellationToken.None);
        await resolver.DisposeAsync();
        Assert.Single(consul.Services);
        Assert.DoesNotContain(consul.Requests, r => r.Path.StartsWith("/v1/agent/service/deregister/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_advanced_registration_without_an_id_is_deregistered_by_its_name()
    {
        await using var consul = await ConsulDouble.StartAsync();
        var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"advancedRegistration":{"name":"orders","address":"10.9.9.9","port":1}}""")), CancellationToken.None);
        Assert.Equal("orders", Assert.Single(consul.Services).Id);

        await resolver.DisposeAsync();
        Assert.Empty(consul.Services);
        Assert.Contains(consul.Requests, r => r.Path == "/v1/agent/service/deregister/orders");
    }

    [Fact]
    public async Task A_resolver_that_registers_nothing_deregisters_nothing()
    {
        await using var consul = await ConsulDouble.StartAsync();
        AddInstance(consul, "orders", "someone-else", "10.0.0.1", 50002);
        var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul)), CancellationToken.None);
        await resolver.DisposeAsync();
        Assert.Single(consul.Services);
        Assert.DoesNotContain(consul.Requests, r => r.Method == "PUT");
    }

    [Fact]
    public async Task The_default_check_reaps_a_killed_satcar()
    {
        await using var consul = await ConsulDouble.StartAsync();
        var satcar = await FakeSatcarHealth.StartAsync("orders");
        var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true,"selfDeregister":false}"""), hostAddress: "127.0.0.1", daprHttpPort: satcar.Port), CancellationToken.None);
        var checkId = $"daprHealth:orders-127.0.0.1-{satcar.Port}";
        Assert.Equal("1m", consul.Check(checkId)!.DeregisterCriticalServiceAfter);
        await Eventually.TrueAsync(() => consul.Check(checkId)?.Status == ConsulHealth.Passing, "the satcar's healthz passes");

        // The satcar dies without deregistering. The double honours DeregisterCriticalServiceAfter as
        // registered; the same registration with a shorter value shows the reaping without a minute's wait.
        await resolver.DisposeAsync();
        await satcar.DisposeAsync();
        var registration = Assert.Single(consul.Services).Registration;
        registration["Checks"]![0]!["DeregisterCriticalServiceAfter"] = "300ms";
        consul.RegisterOnNode(consul.NodeName, registration);
        await Eventually.TrueAsync(() => consul.Services.Count == 0, "the critical service is reaped");
        Assert.DoesNotContain(consul.Requests, r => r.Path.StartsWith("/v1/agent/service/deregister/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task App_health_is_published_to_a_ttl_check_that_starts_critical()
    {
        await using var consul = await ConsulDouble.StartAsync();
        var logger = new CollectingLogger();
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true}"""), logger, appHealth: true), CancellationToken.None);

        var checkId = "appHealth:orders-10.1.2.3-3500";
        var check = consul.Check(checkId);
        Assert.NotNull(check);
        Assert.Equal("App Health Status", check.Name);
        Assert.Equal("15s", check.Ttl);
        Assert.Equal(ConsulHealth.Critical, check.Status);

        await resolver.PublishAppHealthAsync(true, "app answered 200", CancellationToken.None);
        Assert.Equal(ConsulHealth.Passing, consul.Check(checkId)!.Status);
        Assert.Equal("app answered 200", consul.Check(checkId)!.Output);
        var update = consul.Requests.Last(r => r.Path == $"/v1/agent/check/update/{checkId}");
        Assert.Equal("PUT", update.Method);
        Assert.Equal("""{"Status":"passing","Output":"app answered 200"}""", update.Body);

        await resolver.PublishAppHealthAsync(false, "app answered 503", CancellationToken.None);
        Assert.Equal(ConsulHealth.Critical, consul.Check(checkId)!.Status);
        Assert.Equal("app answered 503", consul.Check(checkId)!.Output);
    }

    [Fact]
    public async Task App_health_goes_into_an_advanced_registrations_checks_too()
    {
        await using var consul = await ConsulDouble.StartAsync();
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"advancedRegistration":{"id":"orders-a","name":"orders","checks":[{"checkID":"own","ttl":"1m","status":"passing"}]}}"""),
            appHealth: true), CancellationToken.None);
        Assert.Equal(ConsulHealth.Passing, consul.Check("own")!.Status);
        Assert.Equal(ConsulHealth.Critical, consul.Check("appHealth:orders-a")!.Status);
        await resolver.PublishAppHealthAsync(true, "ok", CancellationToken.None);
        Assert.Equal(ConsulHealth.Passing, consul.Check("appHealth:orders-a")!.Status);
    }

    [Fact]
    public async Task App_health_reported_before_the_registration_lands_is_published_once_it_does()
    {
        await using var consul = await ConsulDouble.StartAsync();
        await consul.StopListeningAsync();
        var logger = new CollectingLogger();
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true}"""), logger, appHealth: true), CancellationToken.None);
        await resolver.PublishAppHealthAsync(true, "healthy while Consul was down", CancellationToken.None);

        await consul.StartListeningAsync();
        await Eventually.TrueAsync(() => consul.Check("appHealth:orders-10.1.2.3-3500")?.Status == ConsulHealth.Passing,
            "the latest app health is published after registering");
        Assert.Equal("healthy while Consul was down", consul.Check("appHealth:orders-10.1.2.3-3500")!.Output);
    }

    [Fact]
    public async Task Publishing_app_health_while_consul_fails_logs_a_warning_and_does_not_throw()
    {
        await using var consul = await ConsulDouble.StartAsync();
        var logger = new CollectingLogger();
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true}"""), logger, appHealth: true), CancellationToken.None);
        consul.Failing = true;
        await resolver.PublishAppHealthAsync(true, "ok", CancellationToken.None);
        await consul.StopListeningAsync();
        await resolver.PublishAppHealthAsync(false, "down", CancellationToken.None);
        Assert.Equal(2, logger.Entries.Count(e => e.EventId == 2210 && e.Level == LogLevel.Warning));
        Assert.Contains(logger.Entries, e => e.EventId == 2210 && e.Message.Contains("500", StringComparison.Ordinal));
    }
}
