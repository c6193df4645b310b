using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Satcar.Testing.Consul;

namespace Satcar.IntegrationTests.Up;

/// <summary>
/// The seed's order demo as shipped in samples/hello-satcar, run by <c>satcar up</c> exactly as a user
/// runs it (only the ports come from the environment): App1 → link → satcar → satcar → App2, which
/// saves every order through its own link and satcar.
/// </summary>
[Collection(UpCollection.Name)]
public sealed partial class HelloSatcarTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task The_embedded_topology_persists_orders_and_app2_returns_the_latest_one()
    {
        var environment = HelloSatcarSample.FreePorts();
        await using var up = UpProcess.Start(HelloSatcarSample.Folder, environment, "--for", "10m");

        await up.WaitForOutputAsync("Successfully persisted state for Order ID: 2", Startup);
        // The latest order: at least the highest one persisted before the question, and one that was persisted.
        var persistedBefore = HighestPersisted(up.Output);
        var latest = await LatestOrderAsync(environment["ORDERSTORE_PORT"]!);
        Assert.True(latest >= persistedBefore, $"GET /order returned {latest}, but {persistedBefore} had been persisted before");
        await up.WaitForOutputAsync($"Successfully persisted state for Order ID: {latest}", TimeSpan.FromSeconds(30));

        // Every line is prefixed with the process it came from; the build ran first.
        Assert.Matches(PersistedLine(), up.Output);
        Assert.Contains("orderpublisher/build ", up.Output, StringComparison.Ordinal);
        Assert.Contains("all 6 processes are up", up.Output, StringComparison.Ordinal);

        Assert.Equal(0, await up.TerminateAsync(ExitTimeout));
        Assert.Contains("satcar up: stopped", up.Output, StringComparison.Ordinal);
        Assert.Equal(
            ["orderpublisher", "orderpublisher/build", "orderpublisher/link", "orderpublisher/satcar", "orderstore", "orderstore/build", "orderstore/link", "orderstore/satcar"],
            up.Started().Where(p => !p.Name.Contains(':', StringComparison.Ordinal)).Select(p => p.Name).Order(StringComparer.Ordinal));
        up.AssertNothingLeftRunning();
    }

    [Fact]
    public async Task The_redis_and_consul_topology_stores_orders_in_redis_and_registers_both_satcars_in_consul()
    {
        await using var consul = await ConsulDouble.StartAsync();
        var environment = HelloSatcarSample.FreePorts();
        environment["CONSUL_HOST"] = "127.0.0.1";
        environment["CONSUL_PORT"] = consul.Port.ToString();
        environment["REDIS_PORT"] = Satcar.Testing.Ports.Free("127.0.0.1").ToString();
        // Runs for a fixed time once everything is up, as a script would, and then stops by itself.
        await using var up = UpProcess.Start(HelloSatcarSample.RedisConsulTopology, environment, "--no-build", "--for", "20s");

        await up.WaitForOutputAsync("Successfully persisted state for Order ID: ", Startup);
        var latest = await LatestOrderAsync(environment["ORDERSTORE_PORT"]!);

        // Stored by state.redis with daprd's layout: a hash "appid||key" whose "data" is the value.
        var stored = await RedisHashFieldAsync(int.Parse(environment["REDIS_PORT"]!), "orderstore||order", "data");
        using (var order = JsonDocument.Parse(stored!))
        {
            Assert.True(order.RootElement.GetProperty("orderId").GetInt32() >= latest);
        }

        // The seed's Configuration registers each satcar's own address, not its app's.
        Assert.Equal("127.0.0.2", consul.Services.Single(s => s.Name == "orderpublisher").Address);
        var orderStore = consul.Services.Single(s => s.Name == "orderstore");
        Assert.Equal("127.0.0.3", orderStore.Address);
        Assert.Equal(environment["ORDERSTORE_PEER_PORT"], orderStore.Meta["DAPR_PORT"]);

        Assert.Equal(0, await up.WaitForExitAsync(ExitTimeout));
        Assert.Contains("satcar up: 20s have passed", up.Output, StringComparison.Ordinal);
        Assert.Contains(up.Started(), p => p.Name == "redis");
        up.AssertNothingLeftRunning();
    }

    /// <summary>GET /order of App2: the latest order, read back from the state store through App2's own link and satcar.</summary>
    private static async Task<int> LatestOrderAsync(string orderStorePort)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync($"http://127.0.0.1:{orderStorePort}/order");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /order answered {(int)response.StatusCode}: {body}");
        using var order = JsonDocument.Parse(body);
        var orderId = order.RootElement.GetProperty("orderId").GetInt32();
        Assert.True(orderId >= 1, body);
        return orderId;
    }

    /// <summary>HGET over RESP, so the check does not go through any code under test.</summary>
    private static async Task<string?> RedisHashFieldAsync(int port, string key, string field)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var command = $"*3\r\n$4\r\nHGET\r\n${Encoding.UTF8.GetByteCount(key)}\r\n{key}\r\n${Encoding.UTF8.GetByteCount(field)}\r\n{field}\r\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(command));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var header = await reader.ReadLineAsync(timeout.Token);
        Assert.NotNull(header);
        if (header == "$-1")
        {
            return null;
        }

        Assert.StartsWith("$", header, StringComparison.Ordinal);
        return await reader.ReadLineAsync(timeout.Token);
    }

    [GeneratedRegex(@"(?m)^orderstore +\| .*Successfully persisted state for Order ID: \d+$")]
    private static partial Regex PersistedLine();

    private static int HighestPersisted(string output) =>
        PersistedId().Matches(output).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Max();

    [GeneratedRegex(@"(?m)^orderstore +\| .*Successfully persisted state for Order ID: (\d+)$")]
    private static partial Regex PersistedId();
}
