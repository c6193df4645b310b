using Satcar.Runtime.Components;
using Satcar.Runtime.PubSub;

namespace Satcar.Components.PubSub.Redis;

/// <summary><c>pubsub.redis</c>: a placeholder until the component lands.</summary>
internal sealed class RedisPubSub(ComponentContext context) : IPubSub
{
    private const string NotBuilt = "pubsub.redis is not built yet";

    public ComponentContext Context { get; } = context;

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken) => throw new ComponentConfigurationException(NotBuilt);

    public PubSubFeatures Features => PubSubFeatures.None;

    public Task PublishAsync(PubSubMessage message, CancellationToken cancellationToken) => throw new NotSupportedException(NotBuilt);

    public Task<IAsyncDisposable> SubscribeAsync(PubSubSubscription subscription, PubSubHandler handler, CancellationToken cancellationToken) =>
        throw new NotSupportedException(NotBuilt);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
