using System.Text.Json;
using Satcar.Components.Redis;
using Satcar.Runtime.Components;
using Satcar.Runtime.PubSub;
using StackExchange.Redis;

namespace Satcar.Components.PubSub.Redis;

/// <summary>
/// <c>pubsub.redis</c> on Redis Streams (https://docs.dapr.io/reference/components-reference/supported-pubsub/setup-redis-pubsub/).
/// Publishing is <c>XADD topic * data &lt;bytes&gt;</c>, as daprd writes it. Each subscription reads its
/// topic in the consumer group <c>consumerID</c> (default: the app id) and acknowledges an entry only when
/// the runtime's handler says its final outcome is reached. An entry left unacknowledged — the handler
/// asked for redelivery, or the satcar died while delivering it — is claimed again by a live consumer
/// once it has been idle for <c>processingTimeout</c>, so nothing published is lost. This differs from
/// Dapr since components-contrib 1.17, which acknowledges after a handler error.
/// </summary>
internal sealed class RedisPubSub(ComponentContext context) : IPubSub
{
    private RedisPubSubOptions _options = null!;
    private ConnectionMultiplexer? _connection;
    private ComponentMetadata _metadata = null!;

    public PubSubFeatures Features => PubSubFeatures.None;

    public async Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        _metadata = metadata;
        _options = RedisPubSubOptions.Read(metadata, context.AppId);
        _connection = await RedisConnectionOptions.ConnectAsync(_options.Connection, metadata, cancellationToken);
    }

    public async Task PublishAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        var fields = message.Metadata.Count == 0
            ? new NameValueEntry[] { new("data", message.Data) }
            : [new("data", message.Data), new("metadata", JsonSerializer.Serialize(message.Metadata, RedisPubSubJson.Default.IReadOnlyDictionaryStringString))];
        await Database.StreamAddAsync(
            message.Topic, fields,
            maxLength: _options.MaxLenApprox > 0 ? _options.MaxLenApprox : null,
            useApproximateMaxLength: _options.MaxLenApprox > 0);
    }

    public async Task<IAsyncDisposable> SubscribeAsync(PubSubSubscription subscription, PubSubHandler handler, CancellationToken cancellationToken)
    {
        // Blocking reads hold their connection, so every subscription reads on a connection of its own.
        var reader = await RedisConnectionOptions.ConnectAsync(_options.Connection with { ReadTimeout = _options.ReadTimeout }, _metadata, cancellationToken);
        var stream = new RedisStreamSubscription(subscription.Topic, _options, Database, reader, handler, context);
        try
        {
            await stream.StartAsync();
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            await _connection.DisposeAsync();
        }
    }

    private IDatabase Database => _connection?.GetDatabase(_options.Connection.Database) ?? throw new InvalidOperationException("the component is not initialised");
}
