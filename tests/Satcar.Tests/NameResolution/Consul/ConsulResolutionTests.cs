using System.Text.Json.Nodes;
using Satcar.Components.NameResolution.Consul;
using Satcar.Runtime.NameResolution;
using Satcar.Testing.Consul;
using static Satcar.Tests.NameResolution.Consul.ConsulTestSupport;

namespace Satcar.Tests.NameResolution.Consul;

/// <summary>Resolution by direct queries: healthy instances only, with Dapr's address and port rules.</summary>
public sealed class ConsulResolutionTests
{
    private static async Task<ConsulNameResolver> StartAsync(ConsulDouble consul, string extra = "{}")
    {
        var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, extra)), CancellationToken.None);
        return resolver;
    }

    [Fact]
    public async Task Returns_every_healthy_instance_and_none_whose_check_fails_or_warns()
    {
        await using var consul = await ConsulDouble.StartAsync();
        AddInstance(consul, "orders", "a", "10.0.0.1", 50001);
        AddInstance(consul, "orders", "b", "10.0.0.2", 50002);
        AddInstance(consul, "orders", "critical", "10.0.0.3", 50003, ConsulHealth.Critical);
        AddInstance(consul, "orders", "warning", "10.0.0.4", 50004, ConsulHealth.Warning);
        AddInstance(consul, "payments", "p", "10.0.0.5", 50005);
        await using var resolver = await StartAsync(consul);

        Assert.Equal(["10.0.0.1:50001", "10.0.0.2:50002"], await ResolveTextAsync(resolver, "orders"));

        consul.SetCheckStatus("check:a", ConsulHealth.Critical);
        Assert.Equal(["10.0.0.2:50002"], await ResolveTextAsync(resolver, "orders"));

        consul.SetCheckStatus("check:warning", ConsulHealth.Passing);
        Assert.Equal(["10.0.0.2:50002", "10.0.0.4:50004"], await ResolveTextAsync(resolver, "orders"));
    }

    [Fact]
    public async Task A_failed_node_check_drops_every_instance_on_that_node()
    {
        await using var consul = await ConsulDouble.StartAsync();
        consul.AddNode("node-2", "10.0.2.1");
        AddInstance(consul, "orders", "on-agent", "10.0.0.1", 50001);
        AddInstance(consul, "orders", "on-node-2", "10.0.2.1", 50002, node: "node-2");
        await using var resolver = await StartAsync(consul);
        Assert.Equal(["10.0.0.1:50001", "10.0.2.1:50002"], await ResolveTextAsync(resolver, "orders"));

        consul.SetNodeHealth(ConsulHealth.Critical, "node-2");
        Assert.Equal(["10.0.0.1:50001"], await ResolveTextAsync(resolver, "orders"));

        consul.SetNodeHealth(ConsulHealth.Passing, "node-2");
        Assert.Equal(["10.0.0.1:50001", "10.0.2.1:50002"], await ResolveTextAsync(resolver, "orders"));
    }

    [Fact]
    public async Task An_instance_without_a_service_address_resolves_to_its_nodes_address_and_hostnames_are_kept()
    {
        await using var consul = await ConsulDouble.StartAsync();
        consul.AddNode("node-2", "10.0.2.7");
        AddInstance(consul, "orders", "no-address", "", 50001, node: "node-2");
        AddInstance(consul, "orders", "named", "satcar-orders.invalid", 50002);
        AddInstance(consul, "orders", "v6", "fd00::7", 50003);
        await using var resolver = await StartAsync(consul);

        var resolved = await resolver.ResolveAsync("orders", "", CancellationToken.None);
        Assert.Equal(["10.0.2.7:50001", "[fd00::7]:50003", "satcar-orders.invalid:50002"], resolved.Select(e => e.Authority).Order(StringComparer.Ordinal));
        Assert.Contains(new PeerEndpoint("fd00::7", 50003), resolved);
    }

    [Fact]
    public async Task The_port_comes_from_the_configured_meta_key_and_instances_without_it_are_skipped()
    {
        await using var consul = await ConsulDouble.StartAsync();
        AddInstance(consul, "orders", "peer-port", "10.0.0.1", 50001, metaKey: "PEER_PORT");
        AddInstance(consul, "orders", "dapr-port", "10.0.0.2", 50002);
        AddInstance(consul, "orders", "bad-port", "10.0.0.3", 0, metaKey: "PEER_PORT");

        var logger = new CollectingLogger();
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"daprPortMetaKey":"PEER_PORT"}"""), logger), CancellationToken.None);
        Assert.Equal(["10.0.0.1:50001"], await ResolveTextAsync(resolver, "orders"));
        Assert.Contains(logger.Entries, e => e.EventId == 2206 && e.Message.Contains("dapr-port", StringComparison.Ordinal));
        Assert.Contains(logger.Entries, e => e.EventId == 2217 && e.Message.Contains("bad-port", StringComparison.Ordinal));

        await using var daprKey = await StartAsync(consul);
        Assert.Equal(["10.0.0.2:50002"], await ResolveTextAsync(daprKey, "orders"));
    }

    [Fact]
    public async Task An_app_id_without_healthy_instances_resolves_to_an_empty_list()
    {
        await using var consul = await ConsulDouble.StartAsync();
        AddInstance(consul, "orders", "critical", "10.0.0.3", 50003, ConsulHealth.Critical);
        await using var resolver = await StartAsync(consul);
        Assert.Empty(await ResolveTextAsync(resolver, "orders"));
        Assert.Empty(await ResolveTextAsync(resolver, "nobody"));
    }

    [Fact]
    public async Task Query_options_filter_the_instances_and_reach_consul_as_parameters()
    {
        await using var consul = await ConsulDouble.StartAsync();
        AddInstance(consul, "orders", "blue", "10.0.0.1", 50001, tags: ["blue"]);
        AddInstance(consul, "orders", "green", "10.0.0.2", 50002, tags: ["green"]);
        await using var resolver = await StartAsync(consul, """
            {"client":{"datacenter":"dc1"},"queryOptions":{"filter":"Service.Tags contains blue","allowStale":true,"token":"ignored-without-acl"}}
            """);
        Assert.Equal(["10.0.0.1:50001"], await ResolveTextAsync(resolver, "orders"));

        var query = Assert.Single(consul.Requests, r => r.Path == "/v1/health/service/orders");
        Assert.Equal("Service.Tags contains blue", query.Query["filter"]);
        Assert.Equal("dc1", query.Query["dc"]);
        Assert.True(query.HasQuery("stale"));
        Assert.False(query.HasQuery("cached"));
        Assert.Equal("ignored-without-acl", query.Token);
    }

    [Fact]
    public async Task An_unknown_datacenter_is_an_error_not_an_empty_answer()
    {
        await using var consul = await ConsulDouble.StartAsync();
        await using var resolver = await StartAsync(consul, """{"queryOptions":{"datacenter":"mars"}}""");
        var e = await Assert.ThrowsAsync<NameResolutionException>(() => resolver.ResolveAsync("orders", "", CancellationToken.None));
        Assert.Contains("No path to datacenter", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_path_prefix_in_the_address_reaches_consul_behind_a_proxy()
    {
        await using var consul = await ConsulDouble.StartAsync(new ConsulDoubleOptions { PathPrefix = "/consul" });
        AddInstance(consul, "orders", "a", "10.0.0.1", 50001);
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(new JsonObject { ["client"] = new JsonObject { ["address"] = $"http://{consul.Address}/consul" } }), CancellationToken.None);
        Assert.Equal(["10.0.0.1:50001"], await ResolveTextAsync(resolver, "orders"));
    }

    [Fact]
    public async Task Without_client_the_address_comes_from_consul_http_addr()
    {
        await using var consul = await ConsulDouble.StartAsync();
        AddInstance(consul, "orders", "a", "10.0.0.1", 50001);
        await using var resolver = Resolver(environment: new Dictionary<string, string> { ["CONSUL_HTTP_ADDR"] = $"http://{consul.Address}" });
        await resolver.InitAsync(Context([]), CancellationToken.None);
        Assert.Equal(["10.0.0.1:50001"], await ResolveTextAsync(resolver, "orders"));
    }

    [Fact]
    public async Task Basic_auth_from_http_auth_goes_on_every_request()
    {
        await using var consul = await ConsulDouble.StartAsync();
        await using var resolver = await StartAsync(consul, """{"client":{"httpAuth":{"username":"proxy","password":"secret"}},"selfRegister":true}""");
        await resolver.ResolveAsync("orders", "", CancellationToken.None);
        var expected = "Basic " + Convert.ToBase64String("proxy:secret"u8.ToArray());
        Assert.All(consul.Requests, r => Assert.Equal(expected, r.Headers["Authorization"]));
        Assert.Equal(2, consul.Requests.Count);
    }
}
