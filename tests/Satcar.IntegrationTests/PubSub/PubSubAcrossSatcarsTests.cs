using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Satcar.Testing;
using Xunit.Abstractions;

namespace Satcar.IntegrationTests.PubSub;

/// <summary>
/// The seed's pub/sub with satellites: App1 publishes through satcar1 into a real Redis; App2 receives
/// through satcar2, each on its own loopback "host". And the ledger: nothing published is lost when the
/// subscriber's satcar is killed mid-stream.
/// </summary>
public sealed class PubSubAcrossSatcarsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly ConcurrentDictionary<int, int> _received = new();
    private readonly List<IAsyncDisposable> _owned = [];
    private RedisServer _redis = null!;
    private FakeApp _app2 = null!;
    private string _resources = "";

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _app2 = await FakeApp.StartAsync("127.0.0.3", async (context, body) =>
        {
            if (context.Request.Path != "/ledger")
            {
                return false;
            }

            using var cloudEvent = JsonDocument.Parse(body);
            var n = cloudEvent.RootElement.GetProperty("data").GetProperty("n").GetInt32();
            _received.AddOrUpdate(n, 1, (_, count) => count + 1);
            context.Response.StatusCode = 200;
            await context.Response.WriteAsync("""{"status":"SUCCESS"}""");
            return true;
        });
        _dir.Write("resources/pubsub.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.redis
              version: v1
              metadata:
              - name: redisHost
                value: {_redis.HostPort}
              - name: processingTimeout
                value: 2s
              - name: redeliverInterval
                value: 1s
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Subscription
            metadata:
              name: ledger
            spec:
              pubsubname: pubsub
              topic: ledger
              route: /ledger
            scopes:
            - app2
            """);
        _resources = Path.Combine(_dir.Path, "resources");
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        await _app2.DisposeAsync();
        await _redis.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<SatcarProcess> Satcar1Async()
    {
        var satcar = await SatcarProcess.RunAsync(["--app-id", "app1", "--resources-path", _resources], host: "127.0.0.2");
        _owned.Add(satcar);
        return satcar;
    }

    private async Task<SatcarProcess> Satcar2Async()
    {
        var satcar = await SatcarProcess.RunAsync(
            ["--app-id", "app2", "--app-url", _app2.BaseUri.ToString().TrimEnd('/'), "--resources-path", _resources], host: "127.0.0.4", waitForApp: true);
        _owned.Add(satcar);
        return satcar;
    }

    private static Task<HttpResponseMessage> Publish(HttpClient client, int n) =>
        client.PostAsync("/v1.0/publish/pubsub/ledger", new StringContent($$$"""{"n":{{{n}}}}""", Encoding.UTF8, "application/json"));

    private async Task WaitForAsync(Func<bool> condition, string what, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within {seconds} s ({_received.Count} distinct received)");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task App1_publishes_through_satcar1_and_app2_receives_through_satcar2()
    {
        var satcar1 = await Satcar1Async();
        await Satcar2Async();
        using var client = new HttpClient { BaseAddress = satcar1.BaseUri };
        using var response = await Publish(client, 1);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await WaitForAsync(() => _received.ContainsKey(1), "the delivery", 30);
        var seen = _app2.Requests.Single(r => r.Path == "/ledger");
        Assert.StartsWith("application/cloudevents+json", seen.Header("Content-Type").Single(), StringComparison.Ordinal);
        using var cloudEvent = JsonDocument.Parse(seen.Body);
        Assert.Equal("app1", cloudEvent.RootElement.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Ten_thousand_messages_survive_a_killed_subscriber_satcar_with_none_missing()
    {
        const int Count = 10_000;
        var satcar1 = await Satcar1Async();
        var satcar2 = await Satcar2Async();
        using var client = new HttpClient { BaseAddress = satcar1.BaseUri, Timeout = TimeSpan.FromSeconds(30) };

        var next = 0;
        var refused = new ConcurrentBag<int>();
        var killed = false;
        async Task PublisherAsync()
        {
            for (var n = Interlocked.Increment(ref next); n <= Count; n = Interlocked.Increment(ref next))
            {
                using var response = await Publish(client, n);
                if (response.StatusCode != HttpStatusCode.NoContent)
                {
                    refused.Add(n);
                }
            }
        }

        var publishing = Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(PublisherAsync)));

        // Kill the subscriber's satcar mid-stream, while deliveries are in flight.
        await WaitForAsync(() => _received.Count >= Count / 4, "a quarter of the deliveries", 120);
        await satcar2.KillAsync();
        killed = true;
        var receivedAtKill = _received.Count;
        await publishing;
        Assert.Empty(refused);

        await Satcar2Async();
        await WaitForAsync(() => _received.Count == Count, "every delivery", 180);

        var missing = Enumerable.Range(1, Count).Count(n => !_received.ContainsKey(n));
        var duplicates = _received.Values.Sum(c => c - 1);
        output.WriteLine($"published {Count} (each 204), killed the subscriber's satcar at {receivedAtKill} received; missing {missing}, duplicates {duplicates}");
        Assert.True(killed);
        Assert.Equal(0, missing);
    }
}
