using System.Text.Json.Serialization;
using Satcar.Components.Redis;
using Satcar.Runtime.Components;

namespace Satcar.Components.PubSub.Redis;

/// <summary>The metadata of <c>pubsub.redis</c>, with components-contrib's names and defaults.</summary>
internal sealed record RedisPubSubOptions
{
    public required RedisConnectionOptions Connection { get; init; }

    /// <summary><c>consumerID</c>: the consumer group; the app id by default, so the instances of one app compete for messages.</summary>
    public required string ConsumerId { get; init; }

    /// <summary><c>redeliverInterval</c>: how often unacknowledged entries are looked for; zero turns redelivery off.</summary>
    public TimeSpan RedeliverInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary><c>processingTimeout</c>: how long an entry stays unacknowledged before another consumer may take it.</summary>
    public TimeSpan ProcessingTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary><c>queueDepth</c>: entries read at a time.</summary>
    public int QueueDepth { get; init; } = 100;

    /// <summary><c>concurrency</c>: deliveries in flight per subscription.</summary>
    public int Concurrency { get; init; } = 10;

    /// <summary><c>maxLenApprox</c>: trims each stream to about this many entries; 0 keeps everything.</summary>
    public int MaxLenApprox { get; init; }

    /// <summary>How long a blocking read waits for new entries before it asks again.</summary>
    public TimeSpan BlockTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a consumer of the group may go without reading before it counts as gone (a killed satcar): ten
    /// processing timeouts or ten block times, whichever is longer. A live consumer reads at least every block time.
    /// </summary>
    public TimeSpan ConsumerGoneAfter => TimeSpan.FromTicks(Math.Max(ProcessingTimeout.Ticks, BlockTime.Ticks) * 10);

    /// <summary>The read timeout of a subscription's connection: longer than a blocking read.</summary>
    public TimeSpan ReadTimeout => BlockTime + Connection.ReadTimeout;

    public static RedisPubSubOptions Read(ComponentMetadata metadata, string appId)
    {
        var options = new RedisPubSubOptions
        {
            Connection = RedisConnectionOptions.Read(metadata),
            ConsumerId = metadata.GetString("consumerID") ?? appId,
            RedeliverInterval = metadata.GetDuration("redeliverInterval", TimeSpan.FromSeconds(60)),
            ProcessingTimeout = metadata.GetDuration("processingTimeout", TimeSpan.FromSeconds(15)),
            QueueDepth = metadata.GetInt32("queueDepth", 100),
            Concurrency = metadata.GetInt32("concurrency", 10),
            MaxLenApprox = metadata.GetInt32("maxLenApprox", 0),
        };

        if (options.ConsumerId.Length == 0)
        {
            throw metadata.Invalid("consumerID", "is required when the satcar has no app id");
        }

        if (options.QueueDepth < 1)
        {
            throw metadata.Invalid("queueDepth", "must be at least 1");
        }

        if (options.Concurrency < 1)
        {
            throw metadata.Invalid("concurrency", "must be at least 1");
        }

        if (options.MaxLenApprox < 0)
        {
            throw metadata.Invalid("maxLenApprox", "may not be negative");
        }

        return options;
    }
}

/// <summary>JSON for the metadata stored beside a stream entry.</summary>
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class RedisPubSubJson : JsonSerializerContext;
