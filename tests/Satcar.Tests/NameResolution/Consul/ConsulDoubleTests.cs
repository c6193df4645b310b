using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Satcar.Testing;
using Satcar.Testing.Consul;

namespace Satcar.Tests.NameResolution.Consul;

/// <summary>The double keeps to Consul's documented HTTP API, so tests against it mean something.</summary>
public sealed class ConsulDoubleTests
{
    private static HttpClient Client(ConsulDouble consul, string? token = null)
    {
        var client = new HttpClient { BaseAddress = consul.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Add("X-Consul-Token", token);
        }

        return client;
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string path, string body = "") =>
        client.PutAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    private static async Task<JsonArray> GetArrayAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
    }

    private static ulong IndexOf(HttpResponseMessage response) => ulong.Parse(response.Headers.GetValues("X-Consul-Index").Single(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Registration_defaults_the_id_to_the_name_generates_check_ids_and_starts_checks_critical()
    {
        await using var consul = await ConsulDouble.StartAsync();
        using var client = Client(consul);
        using var one = await PutAsync(client, "v1/agent/service/register", """{"Name":"web","Port":80,"Check":{"TTL":"1m"}}""");
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        using var two = await PutAsync(client, "v1/agent/service/register",
            """{"ID":"api-1","Name":"api","Checks":[{"TTL":"1m"},{"TTL":"1m","Status":"passing","Name":"second"}]}""");
        Assert.Equal(HttpStatusCode.OK, two.StatusCode);

        Assert.Equal(["api-1", "web"], consul.Services.Select(s => s.Id));
        var web = consul.Check("service:web")!;
        Assert.Equal(ConsulHealth.Critical, web.Status);
        Assert.Equal("Service 'web' check", web.Name);
        Assert.Equal(ConsulHealth.Critical, consul.Check("service:api-1:1")!.Status);
        Assert.Equal(ConsulHealth.Passing, consul.Check("service:api-1:2")!.Status);
        Assert.Equal("second", consul.Check("service:api-1:2")!.Name);
    }

    [Fact]
    public async Task Re_registering_replaces_the_service_and_keeps_the_state_of_its_checks()
    {
        await using var consul = await ConsulDouble.StartAsync();
        using var client = Client(consul);
        (await PutAsync(client, "v1/agent/service/register", """{"ID":"a","Name":"web","Port":80,"Checks":[{"CheckID":"c1","TTL":"1m"},{"CheckID":"c2","TTL":"1m"}]}""")).Dispose();
        consul.SetCheckStatus("c1", ConsulHealth.Passing);
        (await PutAsync(client, "v1/agent/service/register", """{"ID":"a","Name":"web","Port":81,"Checks":[{"CheckID":"c1","TTL":"1m"}]}""")).Dispose();
        Assert.Equal(81, Assert.Single(consul.Services).Port);
        Assert.Equal(ConsulHealth.Passing, consul.Check("c1")!.Status);
        Assert.NotNull(consul.Check("c2"));

        (await PutAsync(client, "v1/agent/service/register?replace-existing-checks=true", """{"ID":"a","Name":"web","Checks":[{"CheckID":"c1","TTL":"1m"}]}""")).Dispose();
        Assert.Null(consul.Check("c2"));
    }

    [Fact]
    public async Task Invalid_registrations_are_refused_with_400()
    {
        await using var consul = await ConsulDouble.StartAsync();
        using var client = Client(consul);
        using var noName = await PutAsync(client, "v1/agent/service/register", """{"ID":"x"}""");
        Assert.Equal(HttpStatusCode.BadRequest, noName.StatusCode);
        Assert.Equal("Missing service name", await noName.Content.ReadAsStringAsync());

        using var noInterval = await PutAsync(client, "v1/agent/service/register", """{"Name":"x","Check":{"HTTP":"http://127.0.0.1:1/"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, noInterval.StatusCode);
        Assert.Contains("Interval must be > 0", await noInterval.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var badJson = await PutAsync(client, "v1/agent/service/register", "{");
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);
        Assert.Empty(consul.Services);
    }

    [Fact]
    public async Task Deregistering_an_unknown_id_is_404_and_writes_are_put_only()
    {
        await using var consul = await ConsulDouble.StartAsync();
        using var client = Client(consul);
        using var unknown = await PutAsync(client, "v1/agent/service/deregister/web");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.StartsWith("Unknown service ID \"web\"", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var get = await client.GetAsync("v1/agent/service/register");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        using var getDeregister = await client.GetAsync("v1/agent/service/deregister/web");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, getDeregister.StatusCode);

        (await PutAsync(client, "v1/agent/service/register", """{"ID":"a/b","Name":"web"}""")).Dispose();
        using var escaped = await PutAsync(client, "v1/agent/service/deregister/a%2Fb");
        Assert.Equal(HttpStatusCode.OK, escaped.StatusCode);
        Assert.Empty(consul.Services);
    }

    [Fact]
    public async Task Health_service_passing_excludes_failing_service_and_node_checks()
    {
        await using var consul = await ConsulDouble.StartAsync();
        using var client = Client(consul);
        (await PutAsync(client, "v1/agent/service/register", """{"ID":"a","Name":"web","Address":"10.0.0.1","Check":{"CheckID":"ca","TTL":"1m","Status":"passing"}}""")).Dispose();
        (await PutAsync(client, "v1/agent/service/register", """{"ID":"b","Name":"web","Check":{"CheckID":"cb","TTL":"1m","Status":"warning"}}""")).Dispose();

        var all = await GetArrayAsync(client, "v1/health/service/web");
        Assert.Equal(2, all.Count);
        var entry = all[0]!;
        Assert.Equal("a", (string?)entry["Service"]!["ID"]);
        Assert.Equal("web", (string?)entry["Service"]!["Service"]);
        Assert.Equal(consul.NodeName, (string?)entry["Node"]!["Node"]);
        Assert.Equal(["serfHealth", "ca"], entry["Checks"]!.AsArray().Select(c => (string?)c!["CheckID"]));

        Assert.Equal(["a"], (await GetArrayAsync(client, "v1/health/service/web?passing=1")).Select(e => (string?)e!["Service"]!["ID"]));
        consul.SetNodeHealth(ConsulHealth.Critical);
        Assert.Empty(await GetArrayAsync(client, "v1/health/service/web?passing"));
        Assert.Empty(await GetArrayAsync(client, "v1/health/service/unknown"));
    }

    [Fact]
    public async Task Filters_support_the_documented_subset_and_refuse_the_rest_with_400()
    {
        await using var consul = await ConsulDouble.StartAsync();
        consul.AddNode("node-2", "10.0.2.1", new Dictionary<string, string> { ["rack"] = "r2" });
        consul.RegisterOnNode(consul.NodeName, JsonNode.Parse("""{"ID":"a","Name":"web","Tags":["dapr","blue"],"Port":1,"Meta":{"DAPR_PORT":"50001"},"Check":{"CheckID":"ca","TTL":"1h"}}""")!.AsObject());
        consul.RegisterOnNode("node-2", JsonNode.Parse("""{"ID":"b","Name":"web","Tags":["green"],"Port":2,"Check":{"CheckID":"cb","TTL":"1m","Status":"passing"}}""")!.AsObject());
        using var client = Client(consul);

        async Task<string[]> Ids(string filter) =>
            [.. (await GetArrayAsync(client, $"v1/health/service/web?filter={Uri.EscapeDataString(filter)}")).Select(e => (string)e!["Service"]!["ID"]!)];

        Assert.Equal(["a"], await Ids("Service.Tags contains dapr"));
        Assert.Equal(["a"], await Ids("Checks.ServiceTags contains dapr or Service.ID == \"nope\""));
        Assert.Equal(["b"], await Ids("Service.ID != a"));
        Assert.Equal(["b"], await Ids("not Service.Tags contains blue"));
        Assert.Equal(["a"], await Ids("Service.Meta.DAPR_PORT == \"50001\" and Service.Port == 1"));
        Assert.Equal(["b"], await Ids("Node.Meta.rack == r2"));
        Assert.Equal(["a"], await Ids("Checks.Status == critical and (Checks.ServiceName == web)"));
        Assert.Equal(["b"], await Ids("Checks.CheckID == cb"));
        Assert.Equal(["a", "b"], await Ids("dapr in Service.Tags or green in Service.Tags"));
        Assert.Equal(["b"], await Ids("Service.Meta is empty"));

        foreach (var bad in new[] { "Service.Tags matches \"d.*\"", "Service.Bogus == x", "Service.ID ==", "(Service.ID == a" })
        {
            using var response = await client.GetAsync($"v1/health/service/web?filter={Uri.EscapeDataString(bad)}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }

    [Fact]
    public async Task Blocking_queries_wait_for_a_change_or_the_wait_and_always_carry_the_index()
    {
        await using var consul = await ConsulDouble.StartAsync();
        using var client = Client(consul);
        using var first = await client.GetAsync("v1/health/service/web");
        var index = IndexOf(first);
        Assert.True(index >= 1);

        var blocked = client.GetAsync($"v1/health/service/web?index={index}&wait=300000ms");
        await Eventually.TrueAsync(() => consul.Requests.Any(r => r.IsBlocking), "the query is blocked");
        Assert.False(blocked.IsCompleted);
        consul.RegisterOnNode(consul.NodeName, JsonNode.Parse("""{"Name":"web"}""")!.AsObject());
        using var changed = await blocked;
        Assert.True(IndexOf(changed) > index);
        Assert.Single(JsonNode.Parse(await changed.Content.ReadAsStringAsync())!.AsArray());

        using var timedOut = await client.GetAsync($"v1/health/service/web?index={IndexOf(changed)}&wait=200ms");
        Assert.Equal(HttpStatusCode.OK, timedOut.StatusCode);
        Assert.Equal(IndexOf(changed), IndexOf(timedOut));

        using var minutes = await client.GetAsync("v1/health/service/web?index=0&wait=1m");
        Assert.Equal(HttpStatusCode.OK, minutes.StatusCode);
        using var bad = await client.GetAsync("v1/health/service/web?index=1&wait=soon");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Ttl_checks_expire_to_critical_and_are_refreshed_by_updates()
    {
        await using var consul = await ConsulDouble.StartAsync();
        using var client = Client(consul);
        (await PutAsync(client, "v1/agent/service/register", """{"Name":"web","Checks":[{"CheckID":"ttl","TTL":"300ms","Status":"passing"},{"CheckID":"http","HTTP":"http://127.0.0.1:1/","Interval":"1h"}]}""")).Dispose();
        await Eventually.TrueAsync(() => consul.Check("ttl")!.Status == ConsulHealth.Critical, "the TTL expires");
        Assert.Equal("TTL expired", consul.Check("ttl")!.Output);

        using var pass = await PutAsync(client, "v1/agent/check/pass/ttl?note=fine");
        Assert.Equal(HttpStatusCode.OK, pass.StatusCode);
        Assert.Equal(ConsulHealth.Passing, consul.Check("ttl")!.Status);
        Assert.Equal("fine", consul.Check("ttl")!.Output);

        using var update = await PutAsync(client, "v1/agent/check/update/ttl", """{"Status":"warning","Output":"meh"}""");
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Equal(ConsulHealth.Warning, consul.Check("ttl")!.Status);

        using var badStatus = await PutAsync(client, "v1/agent/check/update/ttl", """{"Status":"fine"}""");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        using var notTtl = await PutAsync(client, "v1/agent/check/fail/http");
        Assert.Equal(HttpStatusCode.InternalServerError, notTtl.StatusCode);
        using var unknown = await PutAsync(client, "v1/agent/check/pass/nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var get = await client.GetAsync("v1/agent/check/pass/ttl");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    [Theory]
    [InlineData(200, ConsulHealth.Passing)]
    [InlineData(204, ConsulHealth.Passing)]
    [InlineData(429, ConsulHealth.Warning)]
    [InlineData(503, ConsulHealth.Critical)]
    public async Task Http_checks_are_run_and_map_status_codes_as_consul_does(int status, string expected)
    {
        await using var app = await FakeApp.StartAsync();
        await using var consul = await ConsulDouble.StartAsync();
        using var client = Client(consul);
        (await PutAsync(client, "v1/agent/service/register",
            new JsonObject
            {
                ["Name"] = "web",
                ["Check"] = new JsonObject
                {
                    ["CheckID"] = "h",
                    ["HTTP"] = $"{app.BaseUri}status/{status}",
                    ["Interval"] = "1h",
                    ["Header"] = new JsonObject { ["X-Probe"] = new JsonArray("yes") },
                },
            }.ToJsonString())).Dispose();
        await Eventually.TrueAsync(() => app.CountFor("/status/") > 0 && consul.Check("h")!.Output.Length > 0, "the check ran");
        Assert.Equal(expected, consul.Check("h")!.Status);
        Assert.Equal(["yes"], app.Requests.First(r => r.Path.StartsWith("/status/", StringComparison.Ordinal)).Header("X-Probe"));
    }

    [Fact]
    public async Task Critical_services_are_reaped_after_their_checks_deregister_critical_service_after()
    {
        await using var consul = await ConsulDouble.StartAsync();
        using var client = Client(consul);
        (await PutAsync(client, "v1/agent/service/register", """{"ID":"doomed","Name":"web","Check":{"TTL":"1h","DeregisterCriticalServiceAfter":"200ms"}}""")).Dispose();
        (await PutAsync(client, "v1/agent/service/register", """{"ID":"kept","Name":"web","Check":{"TTL":"1h"}}""")).Dispose();
        await Eventually.TrueAsync(() => consul.Service("doomed") is null, "the critical service is reaped");
        Assert.NotNull(consul.Service("kept"));
    }

    [Fact]
    public async Task Health_state_lists_checks_by_state()
    {
        await using var consul = await ConsulDouble.StartAsync();
        using var client = Client(consul);
        (await PutAsync(client, "v1/agent/service/register", """{"Name":"web","Check":{"CheckID":"c","TTL":"1h"}}""")).Dispose();
        Assert.Equal(["c"], (await GetArrayAsync(client, "v1/health/state/critical")).Select(c => (string?)c!["CheckID"]));
        Assert.Equal(["serfHealth"], (await GetArrayAsync(client, "v1/health/state/passing")).Select(c => (string?)c!["CheckID"]));
        Assert.Equal(["c"], (await GetArrayAsync(client, $"v1/health/state/any?filter={Uri.EscapeDataString("ServiceName == web")}")).Select(c => (string?)c!["CheckID"]));
        using var bad = await client.GetAsync("v1/health/state/sideways");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Acl_mode_needs_the_token_in_a_header_or_as_a_bearer()
    {
        await using var consul = await ConsulDouble.StartAsync(new ConsulDoubleOptions { AclToken = "s3cret" });
        using var anonymous = Client(consul);
        using var denied = await PutAsync(anonymous, "v1/agent/service/register", """{"Name":"web"}""");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.StartsWith("Permission denied", await denied.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var self = await anonymous.GetAsync("v1/agent/self");
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);

        using var wrong = Client(consul, "nope");
        using var notFound = await wrong.GetAsync("v1/health/service/web");
        Assert.Equal(HttpStatusCode.Forbidden, notFound.StatusCode);
        Assert.Equal("ACL not found", await notFound.Content.ReadAsStringAsync());

        using var bearer = Client(consul);
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        using var allowed = await PutAsync(bearer, "v1/agent/service/register", """{"Name":"web"}""");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using var selfAllowed = await bearer.GetAsync("v1/agent/self");
        Assert.Equal(consul.NodeName, (string?)JsonNode.Parse(await selfAllowed.Content.ReadAsStringAsync())!["Config"]!["NodeName"]);

        using var filtered = await anonymous.GetAsync("v1/health/service/web");
        Assert.Equal(HttpStatusCode.OK, filtered.StatusCode);
        Assert.Equal("true", filtered.Headers.GetValues("X-Consul-Results-Filtered-By-ACLs").Single());
        Assert.Empty(JsonNode.Parse(await filtered.Content.ReadAsStringAsync())!.AsArray());
        Assert.Equal("s3cret", consul.Requests.Single(r => r.Method == "PUT" && r.Token is not null).Token);
    }

    [Fact]
    public async Task Down_mode_refuses_connections_aborts_blocked_queries_and_keeps_the_state()
    {
        await using var consul = await ConsulDouble.StartAsync();
        consul.RegisterOnNode(consul.NodeName, JsonNode.Parse("""{"Name":"web"}""")!.AsObject());
        using var client = Client(consul);
        var blocked = client.GetAsync($"v1/health/service/web?index={consul.Index}&wait=5m");
        await Eventually.TrueAsync(() => consul.Requests.Any(r => r.IsBlocking), "the query is blocked");

        await consul.StopListeningAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => blocked);
        using var tcp = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => tcp.ConnectAsync(IPAddress.Loopback, consul.Port));

        await consul.StartListeningAsync();
        Assert.Single(await GetArrayAsync(client, "v1/health/service/web"));
    }

    [Fact]
    public async Task Failing_mode_answers_500_even_to_blocked_queries_and_slow_mode_delays()
    {
        await using var consul = await ConsulDouble.StartAsync();
        using var client = Client(consul);
        var blocked = client.GetAsync($"v1/health/service/web?index={consul.Index}&wait=5m");
        await Eventually.TrueAsync(() => consul.Requests.Any(r => r.IsBlocking), "the query is blocked");
        consul.Failing = true;
        using var released = await blocked;
        Assert.Equal(HttpStatusCode.InternalServerError, released.StatusCode);
        using var self = await client.GetAsync("v1/agent/self");
        Assert.Equal(HttpStatusCode.InternalServerError, self.StatusCode);

        consul.Failing = false;
        consul.ResponseDelay = TimeSpan.FromSeconds(30);
        using var shortClient = new HttpClient { BaseAddress = consul.BaseUri, Timeout = TimeSpan.FromMilliseconds(200) };
        await Assert.ThrowsAsync<TaskCanceledException>(() => shortClient.GetAsync("v1/agent/self"));
        consul.ResponseDelay = TimeSpan.Zero;
        using var fine = await client.GetAsync("v1/agent/self");
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task Cached_reads_say_miss_then_hit_and_refuse_consistent_and_an_unknown_datacenter_is_500()
    {
        await using var consul = await ConsulDouble.StartAsync();
        using var client = Client(consul);
        using var miss = await client.GetAsync("v1/health/service/web?cached&passing=1");
        Assert.Equal("MISS", miss.Headers.GetValues("X-Cache").Single());
        using var hit = await client.GetAsync("v1/health/service/web?cached&passing=1");
        Assert.Equal("HIT", hit.Headers.GetValues("X-Cache").Single());
        using var both = await client.GetAsync("v1/health/service/web?cached&consistent");
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        using var dc = await client.GetAsync("v1/health/service/web?dc=elsewhere");
        Assert.Equal(HttpStatusCode.InternalServerError, dc.StatusCode);
        using var ownDc = await client.GetAsync("v1/health/service/web?dc=dc1");
        Assert.Equal(HttpStatusCode.OK, ownDc.StatusCode);
    }
}
