using Satcar.Runtime.Components;

namespace Satcar.Runtime.PubSub;

/// <summary>
/// A pub/sub broker (components-contrib's <c>pubsub.PubSub</c>). The runtime builds the CloudEvent
/// envelope; the component only moves bytes. A delivery is acknowledged only when the runtime's handler
/// returns <see cref="PubSubAck.Ack"/>; on <see cref="PubSubAck.Nack"/> a broker that can redeliver keeps
/// the message for a later attempt.
/// </summary>
public interface IPubSub : IComponent
{
    PubSubFeatures Features { get; }

    /// <summary>Publishes one message; returns once the broker has it.</summary>
    Task PublishAsync(PubSubMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Starts delivering the topic's messages to <paramref name="handler"/>; disposing the result stops
    /// it and waits for deliveries in flight. Messages that arrive while it stops are left to the broker.
    /// </summary>
    Task<IAsyncDisposable> SubscribeAsync(PubSubSubscription subscription, PubSubHandler handler, CancellationToken cancellationToken);
}

/// <summary>The runtime's handler for one delivered message: deliver it to the app and say what the broker should do.</summary>
public delegate Task<PubSubAck> PubSubHandler(PubSubDelivery delivery, CancellationToken cancellationToken);

/// <summary>What the broker does with a delivered message.</summary>
public enum PubSubAck
{
    /// <summary>Its final outcome is reached (delivered, dropped or dead-lettered): forget it.</summary>
    Ack,

    /// <summary>Not handled: keep it for redelivery where the broker can.</summary>
    Nack,
}

/// <summary>A message to publish: the bytes (a CloudEvent envelope or a raw payload) and its metadata.</summary>
public sealed record PubSubMessage(string Topic, ReadOnlyMemory<byte> Data, string ContentType, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A delivered message: its bytes as published, the broker's metadata, and how often it was delivered.</summary>
public sealed record PubSubDelivery(string Topic, ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string> Metadata, string MessageId, int DeliveryCount);

/// <summary>What to subscribe to: a topic, with the subscription's metadata (such as <c>rawPayload</c>).</summary>
public sealed record PubSubSubscription(string Topic, IReadOnlyDictionary<string, string> Metadata);

/// <summary>What a broker supports; the names are those of Dapr's metadata API.</summary>
[Flags]
public enum PubSubFeatures
{
    None = 0,
    MessageTtl = 1,
    SubscribeWildcards = 2,
    BulkPublish = 4,
}
