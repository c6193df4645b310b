using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Satcar.Components;
using Satcar.Runtime.Components;
using Satcar.Runtime.PubSub;
using StackExchange.Redis;

namespace Satcar.Tests.PubSub;

/// <summary>
/// One conformance body for every pub/sub broker: delivery of bytes and metadata, many messages,
/// redelivery of what the handler does not acknowledge, and no delivery after unsubscribing.
/// </summary>
public abstract class PubSubConformance : IAsyncLifetime
{
    private readonly List<IPubSub> _brokers = [];
    private readonly List<IAsyncDisposable> _subscriptions = [];

    protected IPubSub Broker { get; private set; } = null!;

    protected abstract string ComponentType { get; }

    protected abstract Dictionary<string, string> Metadata();

    public async Task InitializeAsync() => Broker = await CreateAsync();

    public async Task DisposeAsync()
    {
        foreach (var subscription in _subscriptions)
        {
            await subscription.DisposeAsync();
        }

        foreach (var broker in _brokers)
        {
            await broker.DisposeAsync();
        }
    }

    protected async Task<IPubSub> CreateAsync()
    {
        Assert.True(BuiltInComponents.CreateRegistry().TryGet(ComponentType, "v1", out var registration));
        var broker = (IPubSub)registration.Create(new ComponentContext
        {
            Name = "conformance",
            Type = ComponentType,
            AppId = "conformance-" + Guid.NewGuid().ToString("N")[..8],
            Logger = NullLogger.Instance,
        });
        await broker.InitAsync(new ComponentMetadata("conformance", ComponentType, "v1", Metadata()), CancellationToken.None);
        _brokers.Add(broker);
        return broker;
    }

    protected static string NewTopic() => "topic-" + Guid.NewGuid().ToString("N");

    private async Task<IAsyncDisposable> Subscribe(string topic, PubSubHandler handler)
    {
        var subscription = await Broker.SubscribeAsync(new PubSubSubscription(topic, new Dictionary<string, string>()), handler, CancellationToken.None);
        _subscriptions.Add(subscription);
        return subscription;
    }

    private Task Publish(string topic, string data, Dictionary<string, string>? metadata = null) =>
        Broker.PublishAsync(new PubSubMessage(topic, Encoding.UTF8.GetBytes(data), "application/cloudevents+json", metadata ?? []), CancellationToken.None);

    protected static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within 30 s");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_published_message_reaches_the_subscriber_with_its_bytes_and_metadata()
    {
        var topic = NewTopic();
        var received = new ConcurrentQueue<PubSubDelivery>();
        await Subscribe(topic, (delivery, _) =>
        {
            received.Enqueue(delivery);
            return Task.FromResult(PubSubAck.Ack);
        });
        await Publish(topic, """{"id":"1"}""", new Dictionary<string, string> { ["partitionKey"] = "p1" });

        await Eventually(() => received.Count == 1, "the delivery");
        var delivery = received.Single();
        Assert.Equal(topic, delivery.Topic);
        Assert.Equal("""{"id":"1"}""", Encoding.UTF8.GetString(delivery.Data.Span));
        Assert.Equal("p1", delivery.Metadata["partitionKey"]);
        Assert.False(string.IsNullOrEmpty(delivery.MessageId));
        Assert.Equal(1, delivery.DeliveryCount);
    }

    [Fact]
    public async Task Every_one_of_many_messages_is_delivered()
    {
        var topic = NewTopic();
        var seen = new ConcurrentDictionary<string, int>();
        await Subscribe(topic, (delivery, _) =>
        {
            seen.AddOrUpdate(Encoding.UTF8.GetString(delivery.Data.Span), 1, (_, n) => n + 1);
            return Task.FromResult(PubSubAck.Ack);
        });
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => Publish(topic, i.ToString())));
        await Eventually(() => seen.Count == 500, "500 deliveries");
        Assert.All(Enumerable.Range(0, 500), i => Assert.True(seen.ContainsKey(i.ToString())));
    }

    [Fact]
    public async Task A_message_that_is_not_acknowledged_is_delivered_again()
    {
        var topic = NewTopic();
        var attempts = 0;
        var lastCount = 0;
        await Subscribe(topic, (delivery, _) =>
        {
            lastCount = delivery.DeliveryCount;
            return Task.FromResult(Interlocked.Increment(ref attempts) < 3 ? PubSubAck.Nack : PubSubAck.Ack);
        });
        await Publish(topic, "again");
        await Eventually(() => Volatile.Read(ref attempts) >= 3, "two redeliveries");
        Assert.True(lastCount >= 2, $"the delivery count was {lastCount}");
        await Task.Delay(500);
        Assert.Equal(3, Volatile.Read(ref attempts));
    }

    [Fact]
    public async Task Nothing_is_delivered_after_unsubscribing()
    {
        var topic = NewTopic();
        var received = 0;
        var subscription = await Subscribe(topic, (_, _) =>
        {
            Interlocked.Increment(ref received);
            return Task.FromResult(PubSubAck.Ack);
        });
        await Publish(topic, "first");
        await Eventually(() => Volatile.Read(ref received) == 1, "the first delivery");

        await subscription.DisposeAsync();
        _subscriptions.Remove(subscription);
        await Publish(topic, "second");
        await Task.Delay(500);
        Assert.Equal(1, Volatile.Read(ref received));
    }

    [Fact]
    public async Task A_handler_that_throws_does_not_stop_the_subscription()
    {
        var topic = NewTopic();
        var ok = new ConcurrentBag<string>();
        await Subscribe(topic, (delivery, _) =>
        {
            var text = Encoding.UTF8.GetString(delivery.Data.Span);
            if (text == "boom" && delivery.DeliveryCount == 1)
            {
                throw new InvalidOperationException("handler failure");
            }

            ok.Add(text);
            return Task.FromResult(PubSubAck.Ack);
        });
        await Publish(topic, "boom");
        await Publish(topic, "fine");
        await Eventually(() => ok.Contains("fine"), "the next message");
    }
}

public sealed class InMemoryPubSubConformance : PubSubConformance
{
    protected override string ComponentType => "pubsub.in-memory";

    protected override Dictionary<string, string> Metadata() => [];
}

public sealed class RedisPubSubConformance(RedisFixture redis) : PubSubConformance, IClassFixture<RedisFixture>
{
    // Every broker of one test is an instance of the same app: one consumer group.
    private readonly string _group = "group-" + Guid.NewGuid().ToString("N");

    protected override string ComponentType => "pubsub.redis";

    // Short timings so unacknowledged entries come back within the test's patience.
    protected override Dictionary<string, string> Metadata() => new()
    {
        ["redisHost"] = redis.Server.HostPort,
        ["consumerID"] = _group,
        ["processingTimeout"] = "500ms",
        ["redeliverInterval"] = "300ms",
    };

    [Fact]
    public async Task A_subscriber_sees_what_was_published_before_it_started()
    {
        var topic = NewTopic();
        await Broker.PublishAsync(new PubSubMessage(topic, "early"u8.ToArray(), "text/plain", new Dictionary<string, string>()), CancellationToken.None);
        var received = new TaskCompletionSource<string>();
        await using var subscription = await Broker.SubscribeAsync(new PubSubSubscription(topic, new Dictionary<string, string>()), (delivery, _) =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(delivery.Data.Span));
            return Task.FromResult(PubSubAck.Ack);
        }, CancellationToken.None);
        Assert.Equal("early", await received.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task What_a_gone_consumer_left_unacknowledged_is_claimed_by_another()
    {
        var topic = NewTopic();
        var other = await CreateAsync();
        var stuck = new TaskCompletionSource();
        var first = await Broker.SubscribeAsync(new PubSubSubscription(topic, new Dictionary<string, string>()), async (_, ct) =>
        {
            // Stands for a satcar that dies mid-delivery: the handler never finishes in time.
            stuck.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return PubSubAck.Ack;
        }, CancellationToken.None);
        await Broker.PublishAsync(new PubSubMessage(topic, "orphan"u8.ToArray(), "text/plain", new Dictionary<string, string>()), CancellationToken.None);
        await stuck.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The consumer goes away with the entry unacknowledged, as a killed satcar does. (A consumer that
        // lives on keeps claiming its own in-flight entries, so a slow handler is not raced by another.)
        await first.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        var claimed = new TaskCompletionSource<int>();
        await using var second = await other.SubscribeAsync(new PubSubSubscription(topic, new Dictionary<string, string>()), (delivery, _) =>
        {
            claimed.TrySetResult(delivery.DeliveryCount);
            return Task.FromResult(PubSubAck.Ack);
        }, CancellationToken.None);
        Assert.True(await claimed.Task.WaitAsync(TimeSpan.FromSeconds(30)) >= 2);
    }

    [Fact]
    public async Task The_consumer_a_killed_satcar_left_is_claimed_from_then_forgotten_and_others_are_kept()
    {
        var topic = NewTopic();
        await using var redisClient = await ConnectionMultiplexer.ConnectAsync(redis.Server.HostPort);
        var db = redisClient.GetDatabase();
        await db.StreamCreateConsumerGroupAsync(topic, _group, StreamPosition.Beginning, createStream: true);
        // A killed satcar: its consumer read an entry and never acknowledged it, and never left the group.
        var killed = $"{_group}-{Guid.NewGuid():N}";
        await db.StreamAddAsync(topic, [new NameValueEntry("data", "held by the dead")]);
        Assert.Single(await db.StreamReadGroupAsync(topic, _group, killed, ">", count: 10));
        // A consumer named by someone else (daprd names its consumer after the group) is never touched.
        const string foreign = "daprd-consumer";
        await db.ExecuteAsync("XGROUP", "CREATECONSUMER", topic, _group, foreign);

        var received = new ConcurrentQueue<string>();
        await using var live = await Broker.SubscribeAsync(new PubSubSubscription(topic, new Dictionary<string, string>()), (delivery, _) =>
        {
            received.Enqueue(Encoding.UTF8.GetString(delivery.Data.Span));
            return Task.FromResult(PubSubAck.Ack);
        }, CancellationToken.None);
        await Eventually(() => received.Contains("held by the dead"), "the dead consumer's entry, claimed");

        // Idle for ten block times (1 s each; they are longer than processingTimeout here) and holding nothing: removed.
        var deadline = DateTime.UtcNow.AddSeconds(40);
        string[] names;
        while ((names = [.. (await db.StreamConsumerInfoAsync(topic, _group)).Select(c => c.Name.ToString())]).Contains(killed))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the dead consumer is still in the group: {string.Join(", ", names)}");
            await Task.Delay(250);
        }

        Assert.Contains(foreign, names);
        // The live subscription keeps its consumer and still receives.
        Assert.Contains(names, n => n.StartsWith(_group + "-", StringComparison.Ordinal));
        await Broker.PublishAsync(new PubSubMessage(topic, "after"u8.ToArray(), "text/plain", new Dictionary<string, string>()), CancellationToken.None);
        await Eventually(() => received.Contains("after"), "a message published after the clean-up");
    }
}
