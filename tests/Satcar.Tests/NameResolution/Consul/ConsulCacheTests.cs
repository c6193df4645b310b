using Microsoft.Extensions.Logging;
using Satcar.Components.NameResolution.Consul;
using Satcar.Runtime.NameResolution;
using Satcar.Testing.Consul;
using static Satcar.Tests.NameResolution.Consul.ConsulTestSupport;

namespace Satcar.Tests.NameResolution.Consul;

/// <summary><c>useCache</c>: healthy instances kept fresh by blocking queries, dropped when Consul cannot confirm them.</summary>
public sealed class ConsulCacheTests
{
    private const string CacheOn = """{"useCache":true,"queryOptions":{"waitTime":"2s"}}""";

    private static async Task<ConsulNameResolver> StartAsync(ConsulDouble consul, ILogger? logger = null, ConsulTimings? timings = null)
    {
        var resolver = Resolver(timings);
        await resolver.InitAsync(Context(Config(consul, CacheOn), logger), CancellationToken.None);
        return resolver;
    }

    private static bool IsHealthQuery(ConsulRecordedRequest request, string appId) => request.Path == $"/v1/health/service/{appId}";

    private static int DirectQueries(ConsulDouble consul, string appId) => consul.Requests.Count(r => IsHealthQuery(r, appId) && !r.IsBlocking);

    private static Task WatchIsBlockingAsync(ConsulDouble consul, string appId) =>
        Eventually.TrueAsync(() => consul.Requests.Any(r => IsHealthQuery(r, appId) && r.IsBlocking), $"the watch of {appId} blocks");

    [Fact]
    public async Task The_watch_picks_up_new_and_failed_instances_without_a_query_per_call()
    {
        await using var consul = await ConsulDouble.StartAsync();
        consul.AddNode("node-2", "10.0.2.1");
        AddInstance(consul, "orders", "a", "10.0.0.1", 50001);
        AddInstance(consul, "orders", "b", "10.0.0.2", 50002);
        await using var resolver = await StartAsync(consul);

        Assert.Equal(["10.0.0.1:50001", "10.0.0.2:50002"], await ResolveTextAsync(resolver, "orders"));
        await WatchIsBlockingAsync(consul, "orders");
        Assert.Equal(["orders"], resolver.CachedAppIds);
        var direct = DirectQueries(consul, "orders");

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(["10.0.0.1:50001", "10.0.0.2:50002"], await ResolveTextAsync(resolver, "orders"));
        }

        AddInstance(consul, "orders", "c", "10.0.2.1", 50003, node: "node-2");
        await Eventually.TrueAsync(async () => (await ResolveTextAsync(resolver, "orders")).Length == 3, "the new instance is served");

        consul.SetCheckStatus("check:a", ConsulHealth.Critical);
        await Eventually.TrueAsync(async () => !(await ResolveTextAsync(resolver, "orders")).Contains("10.0.0.1:50001"), "the failed instance is dropped");

        // A node check is not a service check: Dapr's watcher misses it, this one must not.
        consul.SetNodeHealth(ConsulHealth.Critical, "node-2");
        await Eventually.TrueAsync(async () => (await ResolveTextAsync(resolver, "orders")).SequenceEqual(["10.0.0.2:50002"]), "the failed node's instance is dropped");

        Assert.Equal(direct, DirectQueries(consul, "orders"));
        var blocking = consul.Requests.Last(r => IsHealthQuery(r, "orders") && r.IsBlocking);
        Assert.Equal("1", blocking.Query["passing"]);
        Assert.Equal("2000ms", blocking.Query["wait"]);
        Assert.False(blocking.HasQuery("cached"));
    }

    [Fact]
    public async Task An_empty_cached_list_falls_through_to_a_direct_query()
    {
        await using var consul = await ConsulDouble.StartAsync();
        await using var resolver = await StartAsync(consul);
        Assert.Empty(await ResolveTextAsync(resolver, "orders"));
        await WatchIsBlockingAsync(consul, "orders");
        var before = DirectQueries(consul, "orders");

        Assert.Empty(await ResolveTextAsync(resolver, "orders"));
        Assert.Equal(before + 1, DirectQueries(consul, "orders"));

        AddInstance(consul, "orders", "a", "10.0.0.1", 50001);
        Assert.Equal(["10.0.0.1:50001"], await ResolveTextAsync(resolver, "orders"));
    }

    [Fact]
    public async Task When_consul_goes_down_cached_instances_are_dropped_and_resolution_fails_clearly()
    {
        await using var consul = await ConsulDouble.StartAsync();
        AddInstance(consul, "orders", "a", "10.0.0.1", 50001);
        var logger = new CollectingLogger();
        await using var resolver = await StartAsync(consul, logger);
        Assert.Equal(["10.0.0.1:50001"], await ResolveTextAsync(resolver, "orders"));
        await WatchIsBlockingAsync(consul, "orders");

        await consul.StopListeningAsync();
        NameResolutionException? failure = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await resolver.ResolveAsync("orders", "", CancellationToken.None);
                return false;
            }
            catch (NameResolutionException e)
            {
                failure = e;
                return true;
            }
        }, "resolution stops serving the cached instance");
        Assert.Contains("cannot reach Consul", failure!.Message, StringComparison.Ordinal);
        Assert.Contains(logger.Entries, e => e.EventId == 2207 && e.Level == LogLevel.Warning);

        await consul.StartListeningAsync();
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await ResolveTextAsync(resolver, "orders")).SequenceEqual(["10.0.0.1:50001"]);
            }
            catch (NameResolutionException)
            {
                return false;
            }
        }, "resolution recovers when Consul is back");
        await WatchIsBlockingAsync(consul, "orders");
    }

    [Fact]
    public async Task When_consul_starts_failing_blocked_watches_are_released_and_resolution_throws()
    {
        await using var consul = await ConsulDouble.StartAsync();
        AddInstance(consul, "orders", "a", "10.0.0.1", 50001);
        await using var resolver = await StartAsync(consul);
        await ResolveTextAsync(resolver, "orders");
        await WatchIsBlockingAsync(consul, "orders");

        consul.Failing = true;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await resolver.ResolveAsync("orders", "", CancellationToken.None);
                return false;
            }
            catch (NameResolutionException e)
            {
                return e.Message.Contains("500", StringComparison.Ordinal);
            }
        }, "the failing Consul turns resolution into an error");
    }

    [Fact]
    public async Task App_ids_not_resolved_for_a_while_stop_being_watched()
    {
        await using var consul = await ConsulDouble.StartAsync();
        AddInstance(consul, "orders", "a", "10.0.0.1", 50001);
        var timings = FastTimings with { EvictAfter = TimeSpan.FromMilliseconds(300) };
        var resolver = Resolver(timings);
        await resolver.InitAsync(Context(Config(consul, """{"useCache":true,"queryOptions":{"waitTime":"200ms"}}""")), CancellationToken.None);
        await using var _ = resolver;

        await ResolveTextAsync(resolver, "orders");
        Assert.Equal(["orders"], resolver.CachedAppIds);
        await Eventually.TrueAsync(() => resolver.CachedAppIds.Count == 0, "the idle app id is evicted");
        var requests = consul.Requests.Count(r => IsHealthQuery(r, "orders"));
        await Task.Delay(600);
        Assert.Equal(requests, consul.Requests.Count(r => IsHealthQuery(r, "orders")));

        Assert.Equal(["10.0.0.1:50001"], await ResolveTextAsync(resolver, "orders"));
        Assert.Equal(["orders"], resolver.CachedAppIds);
    }

    [Fact]
    public async Task Disposing_stops_every_watch()
    {
        await using var consul = await ConsulDouble.StartAsync();
        AddInstance(consul, "orders", "a", "10.0.0.1", 50001);
        AddInstance(consul, "payments", "p", "10.0.0.2", 50002);
        var resolver = await StartAsync(consul);
        await ResolveTextAsync(resolver, "orders");
        await ResolveTextAsync(resolver, "payments");
        await WatchIsBlockingAsync(consul, "orders");
        await WatchIsBlockingAsync(consul, "payments");

        await resolver.DisposeAsync();
        var count = consul.Requests.Count;
        consul.SetCheckStatus("check:a", ConsulHealth.Critical);
        await Task.Delay(300);
        Assert.Equal(count, consul.Requests.Count);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => resolver.ResolveAsync("orders", "", CancellationToken.None));
    }
}
