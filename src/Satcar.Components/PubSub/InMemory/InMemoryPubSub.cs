using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Components;
using Satcar.Runtime.PubSub;

namespace Satcar.Components.PubSub.InMemory;

/// <summary>
/// <c>pubsub.in-memory</c>: a process-local broker (https://docs.dapr.io/reference/components-reference/supported-pubsub/setup-inmemory/).
/// Only subscriptions in the same satcar receive, and only what is published after they start. A
/// message the handler does not acknowledge is offered again after a short delay, as long as the
/// satcar runs; it is gone when the process stops.
/// </summary>
internal sealed partial class InMemoryPubSub(ComponentContext context) : IPubSub
{
    private static readonly TimeSpan s_redeliveryDelay = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<Subscriber>> _subscribers = new(StringComparer.Ordinal);
    private int _concurrency = 10;
    private long _sequence;

    public PubSubFeatures Features => PubSubFeatures.None;

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        _concurrency = metadata.GetInt32("concurrency", 10);
        if (_concurrency < 1)
        {
            throw metadata.Invalid("concurrency", "must be at least 1");
        }

        return Task.CompletedTask;
    }

    public Task PublishAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        Subscriber[] subscribers;
        lock (_lock)
        {
            subscribers = _subscribers.TryGetValue(message.Topic, out var list) ? [.. list] : [];
        }

        var id = Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var subscriber in subscribers)
        {
            subscriber.Offer(new Pending(message, id, 1));
        }

        return Task.CompletedTask;
    }

    public Task<IAsyncDisposable> SubscribeAsync(PubSubSubscription subscription, PubSubHandler handler, CancellationToken cancellationToken)
    {
        var subscriber = new Subscriber(this, subscription.Topic, handler, _concurrency, context);
        lock (_lock)
        {
            if (!_subscribers.TryGetValue(subscription.Topic, out var list))
            {
                _subscribers[subscription.Topic] = list = [];
            }

            list.Add(subscriber);
        }

        return Task.FromResult<IAsyncDisposable>(subscriber);
    }

    public async ValueTask DisposeAsync()
    {
        Subscriber[] all;
        lock (_lock)
        {
            all = [.. _subscribers.Values.SelectMany(s => s)];
        }

        foreach (var subscriber in all)
        {
            await subscriber.DisposeAsync();
        }
    }

    private void Remove(Subscriber subscriber)
    {
        lock (_lock)
        {
            if (_subscribers.TryGetValue(subscriber.Topic, out var list))
            {
                list.Remove(subscriber);
            }
        }
    }

    private sealed record Pending(PubSubMessage Message, string Id, int DeliveryCount);

    /// <summary>One subscription: a queue and up to <c>concurrency</c> deliveries at a time.</summary>
    private sealed class Subscriber : IAsyncDisposable
    {
        private readonly InMemoryPubSub _owner;
        private readonly PubSubHandler _handler;
        private readonly ComponentContext _context;
        private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>();
        private readonly CancellationTokenSource _stopping = new();
        private readonly SemaphoreSlim _slots;
        private readonly Task _loop;

        public Subscriber(InMemoryPubSub owner, string topic, PubSubHandler handler, int concurrency, ComponentContext context)
        {
            _owner = owner;
            Topic = topic;
            _handler = handler;
            _context = context;
            _slots = new SemaphoreSlim(concurrency, concurrency);
            _loop = Task.Run(RunAsync);
        }

        public string Topic { get; }

        public void Offer(Pending pending) => _queue.Writer.TryWrite(pending);

        private async Task RunAsync()
        {
            var inFlight = new List<Task>();
            try
            {
                await foreach (var pending in _queue.Reader.ReadAllAsync(_stopping.Token))
                {
                    await _slots.WaitAsync(_stopping.Token);
                    inFlight.RemoveAll(t => t.IsCompleted);
                    inFlight.Add(DeliverAsync(pending));
                }
            }
            catch (OperationCanceledException)
            {
            }

            await Task.WhenAll(inFlight);
        }

        private async Task DeliverAsync(Pending pending)
        {
            try
            {
                var delivery = new PubSubDelivery(Topic, pending.Message.Data, pending.Message.Metadata, pending.Id, pending.DeliveryCount);
                if (await _handler(delivery, _stopping.Token) == PubSubAck.Nack && !_stopping.IsCancellationRequested)
                {
                    _ = RedeliverLaterAsync(pending with { DeliveryCount = pending.DeliveryCount + 1 });
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // Stopping: an in-memory message ends with the subscription.
            }
            catch (Exception e)
            {
                // Like a refusal: offered again later.
                Log.HandlerFailed(_context.Logger, _context.Name, Topic, e);
                _ = RedeliverLaterAsync(pending with { DeliveryCount = pending.DeliveryCount + 1 });
            }
            finally
            {
                _slots.Release();
            }
        }

        private async Task RedeliverLaterAsync(Pending pending)
        {
            try
            {
                await Task.Delay(s_redeliveryDelay, _context.TimeProvider, _stopping.Token);
                Offer(pending);
            }
            catch (OperationCanceledException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            _owner.Remove(this);
            _queue.Writer.TryComplete();
            await _stopping.CancelAsync();
            await _loop;
            _stopping.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2400, Level = LogLevel.Error, Message = "Pub/sub {ComponentName}: the handler for {Topic} failed")]
        public static partial void HandlerFailed(ILogger logger, string componentName, string topic, Exception exception);
    }
}
