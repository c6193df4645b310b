using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.AppChannel;
using Satcar.Runtime.Components;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.Resources;

namespace Satcar.Runtime.PubSub;

/// <summary>
/// Subscribes the app to its topics and delivers each event to it, following daprd's contract
/// (https://docs.dapr.io/reference/api/pubsub_api/#provide-routes-for-dapr-to-deliver-topic-events):
/// the subscriptions are the declarative <c>Subscription</c> resources plus what the app answers on
/// <c>GET /dapr/subscribe</c> (a gRPC app: <c>ListTopicSubscriptions</c>); each event is routed by the
/// subscription's rules and handed to the app through <see cref="IAppCallback"/>. SUCCESS acknowledges
/// it; DROP drops it (to the dead-letter topic when there is one); RETRY and failed calls are retried, and after the last attempt the event goes to the dead-letter topic, or back to the
/// broker unacknowledged so that it is delivered again later: nothing is acknowledged before its final
/// outcome. Nothing is delivered while the app is unhealthy.
/// </summary>
public sealed partial class SubscriptionManager(
    ComponentStore components,
    ResourceSet resources,
    PubSubService pubsub,
    AppChannel.AppChannel channel,
    IAppCallback app,
    AppReadiness readiness,
    AppHealth health,
    SatcarOptions options,
    ILogger<SubscriptionManager> logger,
    TimeProvider time) : BackgroundService
{
    /// <summary>Attempts per delivery before the event goes to the dead-letter topic or back to the broker.</summary>
    private const int MaxAttempts = 3;

    private static readonly TimeSpan s_firstRetryDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_deliveryTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_unhealthyPoll = TimeSpan.FromMilliseconds(200);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(string PubSub, string Topic), Active> _active = [];
    private IReadOnlyList<SubscriptionSpec> _programmatic = [];
    private IReadOnlyList<SubscriptionSpec> _declarative = resources.Subscriptions;
    private CancellationToken _stopping;

    /// <summary>The subscriptions in force (declarative and programmatic), for the metadata API.</summary>
    public IReadOnlyList<SubscriptionSpec> Current { get; private set; } = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        if (channel.BaseUri is null)
        {
            if (_declarative.Count > 0)
            {
                Log.NoApp(logger, _declarative.Count);
            }

            return;
        }

        try
        {
            while (!readiness.IsReachable)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, stoppingToken);
            }

            _programmatic = await FetchProgrammaticAsync(stoppingToken);
            components.Changed += OnComponentChanged;
            await ReconcileAsync(stoppingToken);
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            components.Changed -= OnComponentChanged;
            await StopAllAsync();
        }
    }

    private void OnComponentChanged(LoadedComponent? previous, LoadedComponent? current)
    {
        if (previous?.Instance is IPubSub || current?.Instance is IPubSub)
        {
            _ = ReconcileAsync(_stopping);
        }
    }

    /// <summary>Replaces the declarative subscriptions (hot reload) and applies the change.</summary>
    public Task UpdateDeclarativeAsync(IReadOnlyList<SubscriptionSpec> subscriptions, CancellationToken cancellationToken)
    {
        _declarative = subscriptions;
        return channel.BaseUri is null || !readiness.IsReachable ? Task.CompletedTask : ReconcileAsync(cancellationToken);
    }

    /// <summary>Starts the subscriptions that should run and stops the others; safe to call at any time.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var desired = new Dictionary<(string, string), (SubscriptionSpec Spec, LoadedComponent Component)>();
            foreach (var spec in _declarative.Concat(_programmatic))
            {
                if (desired.ContainsKey((spec.PubSubName, spec.Topic)))
                {
                    Log.DuplicateSubscription(logger, spec.PubSubName, spec.Topic, spec.Source);
                    continue;
                }

                if (!components.TryGet(spec.PubSubName, out var component) || component.Instance is not IPubSub)
                {
                    Log.UnknownPubSub(logger, spec.PubSubName, spec.Topic, spec.Source);
                    continue;
                }

                if (!pubsub.ScopesOf(component).CanSubscribe(options.AppId, spec.Topic))
                {
                    Log.SubscriptionForbidden(logger, spec.PubSubName, spec.Topic);
                    continue;
                }

                desired[(spec.PubSubName, spec.Topic)] = (spec, component);
            }

            foreach (var (key, active) in _active.ToList())
            {
                if (!desired.TryGetValue(key, out var wanted) || !ReferenceEquals(wanted.Component, active.Component) || wanted.Spec != active.Spec)
                {
                    _active.Remove(key);
                    await StopAsync(active);
                }
            }

            foreach (var (key, (spec, component)) in desired)
            {
                if (_active.ContainsKey(key))
                {
                    continue;
                }

                try
                {
                    var handle = await ((IPubSub)component.Instance).SubscribeAsync(
                        new PubSubSubscription(spec.Topic, spec.Metadata), (delivery, ct) => DeliverAsync(spec, delivery, ct), cancellationToken);
                    _active[key] = new Active(spec, component, handle);
                    Log.Subscribed(logger, spec.PubSubName, spec.Topic, spec.Type);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.SubscribeFailed(logger, spec.PubSubName, spec.Topic, e);
                }
            }

            Current = [.. _active.Values.Select(a => a.Spec)];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Delivers one event to the app and decides its fate; never throws for what the app or the event does.</summary>
    private async Task<PubSubAck> DeliverAsync(SubscriptionSpec spec, PubSubDelivery delivery, CancellationToken cancellationToken)
    {
        try
        {
            while (!health.IsHealthy)
            {
                await Task.Delay(s_unhealthyPoll, time, cancellationToken);
            }

            var body = spec.RawPayload ? RawEnvelope(spec, delivery) : delivery.Data.ToArray();
            using var cloudEvent = TryParseObject(body);
            if (cloudEvent is null)
            {
                Log.NotACloudEvent(logger, spec.PubSubName, spec.Topic, delivery.MessageId);
                return await DeadLetterOrDropAsync(spec, delivery, "not a CloudEvent", cancellationToken);
            }

            if (IsExpired(cloudEvent.RootElement))
            {
                Log.Expired(logger, spec.PubSubName, spec.Topic, delivery.MessageId);
                return await DeadLetterOrDropAsync(spec, delivery, "expired", cancellationToken);
            }

            if (spec.Route(cloudEvent.RootElement) is not { } path)
            {
                Log.NoRoute(logger, spec.PubSubName, spec.Topic, delivery.MessageId);
                return PubSubAck.Ack;
            }

            var delay = s_firstRetryDelay;
            for (var attempt = 1; ; attempt++)
            {
                var (outcome, reason) = await CallAppAsync(spec, path, body, cloudEvent.RootElement, delivery, cancellationToken);
                switch (outcome)
                {
                    case TopicEventOutcome.Success:
                        return PubSubAck.Ack;
                    case TopicEventOutcome.Drop:
                        Log.Dropped(logger, spec.PubSubName, spec.Topic, delivery.MessageId, reason);
                        return await DeadLetterOrDropAsync(spec, delivery, reason, cancellationToken);
                }

                if (attempt >= MaxAttempts)
                {
                    if (spec.DeadLetterTopic is not null)
                    {
                        return await DeadLetterOrDropAsync(spec, delivery, reason, cancellationToken);
                    }

                    Log.LeftForRedelivery(logger, spec.PubSubName, spec.Topic, delivery.MessageId, MaxAttempts, delivery.DeliveryCount, reason);
                    return PubSubAck.Nack;
                }

                await Task.Delay(delay, time, cancellationToken);
                delay *= 2;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the broker keeps the event for another delivery.
            return PubSubAck.Nack;
        }
    }

    private async Task<TopicEventResult> CallAppAsync(
        SubscriptionSpec spec, string path, byte[] body, JsonElement cloudEvent, PubSubDelivery delivery, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_deliveryTimeout);
        try
        {
            return await app.OnTopicEventAsync(spec, path, body, cloudEvent, delivery, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(TopicEventOutcome.Retry, "the app did not answer in time");
        }
    }

    private async Task<PubSubAck> DeadLetterOrDropAsync(SubscriptionSpec spec, PubSubDelivery delivery, string reason, CancellationToken cancellationToken)
    {
        if (spec.DeadLetterTopic is not { } deadLetter)
        {
            return PubSubAck.Ack;
        }

        try
        {
            await pubsub.PublishDeadLetterAsync(spec.PubSubName, deadLetter, delivery.Data, delivery.Metadata, cancellationToken);
            Log.DeadLettered(logger, spec.PubSubName, spec.Topic, delivery.MessageId, deadLetter, reason);
            return PubSubAck.Ack;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Without the dead-letter copy the event must not be forgotten.
            Log.DeadLetterFailed(logger, spec.PubSubName, deadLetter, delivery.MessageId, e);
            return PubSubAck.Nack;
        }
    }

    /// <summary>The app's programmatic subscriptions, tried three times as daprd does; an app without them has none.</summary>
    private async Task<IReadOnlyList<SubscriptionSpec>> FetchProgrammaticAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var answer = await app.ListTopicSubscriptionsAsync(timeout.Token);
                if (answer.Failure is null)
                {
                    foreach (var problem in answer.Problems)
                    {
                        Log.SubscriptionProblem(logger, problem);
                    }

                    return answer.Subscriptions;
                }

                Log.SubscribeEndpointFailed(logger, answer.Failure, attempt);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                Log.SubscribeEndpointFailed(logger, e.Message, attempt);
            }

            if (attempt == 3)
            {
                return [];
            }

            await Task.Delay(delay, time, cancellationToken);
            delay *= 2;
        }
    }

    /// <summary>The envelope daprd builds around a raw payload for a <c>rawPayload</c> subscription.</summary>
    private static byte[] RawEnvelope(SubscriptionSpec spec, PubSubDelivery delivery)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("specversion", CloudEvents.SpecVersion);
            writer.WriteString("id", Guid.NewGuid().ToString());
            writer.WriteString("source", "Dapr");
            writer.WriteString("type", CloudEvents.DefaultType);
            writer.WriteString("datacontenttype", "application/octet-stream");
            writer.WriteString("topic", spec.Topic);
            writer.WriteString("pubsubname", spec.PubSubName);
            writer.WriteBase64String("data_base64", delivery.Data.Span);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static JsonDocument? TryParseObject(byte[] body)
    {
        try
        {
            var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private bool IsExpired(JsonElement cloudEvent) =>
        cloudEvent.TryGetProperty("expiration", out var expiration)
        && expiration.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(expiration.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var expires)
        && expires <= time.GetUtcNow();

    private async Task StopAllAsync()
    {
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            foreach (var active in _active.Values)
            {
                await StopAsync(active);
            }

            _active.Clear();
            Current = [];
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopAsync(Active active)
    {
        try
        {
            await active.Handle.DisposeAsync();
            Log.Unsubscribed(logger, active.Spec.PubSubName, active.Spec.Topic);
        }
        catch (Exception e)
        {
            Log.UnsubscribeFailed(logger, active.Spec.PubSubName, active.Spec.Topic, e);
        }
    }

    private sealed record Active(SubscriptionSpec Spec, LoadedComponent Component, IAsyncDisposable Handle);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1910, Level = LogLevel.Information, Message = "Subscribed to {PubSubName}/{Topic} ({Type})")]
        public static partial void Subscribed(ILogger logger, string pubSubName, string topic, string type);

        [LoggerMessage(EventId = 1911, Level = LogLevel.Information, Message = "Unsubscribed from {PubSubName}/{Topic}")]
        public static partial void Unsubscribed(ILogger logger, string pubSubName, string topic);

        [LoggerMessage(EventId = 1912, Level = LogLevel.Warning, Message = "Subscribing to {PubSubName}/{Topic} failed")]
        public static partial void SubscribeFailed(ILogger logger, string pubSubName, string topic, Exception exception);

        [LoggerMessage(EventId = 1913, Level = LogLevel.Warning, Message = "Stopping the subscription to {PubSubName}/{Topic} failed")]
        public static partial void UnsubscribeFailed(ILogger logger, string pubSubName, string topic, Exception exception);

        [LoggerMessage(EventId = 1914, Level = LogLevel.Warning, Message = "Subscription to {PubSubName}/{Topic} from {Source}: no such pub/sub component; it is skipped")]
        public static partial void UnknownPubSub(ILogger logger, string pubSubName, string topic, string source);

        [LoggerMessage(EventId = 1915, Level = LogLevel.Warning, Message = "Subscription to {PubSubName}/{Topic} from {Source} repeats an earlier one; it is skipped")]
        public static partial void DuplicateSubscription(ILogger logger, string pubSubName, string topic, string source);

        [LoggerMessage(EventId = 1916, Level = LogLevel.Warning, Message = "Subscription to {PubSubName}/{Topic} is not allowed for this app by the component's topic scopes")]
        public static partial void SubscriptionForbidden(ILogger logger, string pubSubName, string topic);

        [LoggerMessage(EventId = 1917, Level = LogLevel.Warning, Message = "{Problem}")]
        public static partial void SubscriptionProblem(ILogger logger, string problem);

        [LoggerMessage(EventId = 1918, Level = LogLevel.Warning, Message = "Asking the app for its subscriptions failed ({Reason}), attempt {Attempt} of 3")]
        public static partial void SubscribeEndpointFailed(ILogger logger, string reason, int attempt);

        [LoggerMessage(EventId = 1919, Level = LogLevel.Warning, Message = "{Count} declarative subscriptions are not used: this satcar has no app")]
        public static partial void NoApp(ILogger logger, int count);

        [LoggerMessage(EventId = 1920, Level = LogLevel.Error, Message = "Event {MessageId} on {PubSubName}/{Topic} is not a CloudEvent JSON object")]
        public static partial void NotACloudEvent(ILogger logger, string pubSubName, string topic, string messageId);

        [LoggerMessage(EventId = 1921, Level = LogLevel.Warning, Message = "Event {MessageId} on {PubSubName}/{Topic} has expired and is not delivered")]
        public static partial void Expired(ILogger logger, string pubSubName, string topic, string messageId);

        [LoggerMessage(EventId = 1922, Level = LogLevel.Debug, Message = "Event {MessageId} on {PubSubName}/{Topic} matches no route and is dropped")]
        public static partial void NoRoute(ILogger logger, string pubSubName, string topic, string messageId);

        [LoggerMessage(EventId = 1923, Level = LogLevel.Warning, Message = "Event {MessageId} on {PubSubName}/{Topic} is dropped: {Reason}")]
        public static partial void Dropped(ILogger logger, string pubSubName, string topic, string messageId, string reason);

        [LoggerMessage(EventId = 1924, Level = LogLevel.Warning, Message = "Event {MessageId} on {PubSubName}/{Topic} failed {Attempts} attempts (delivery {DeliveryCount}): {Reason}; it stays with the broker for redelivery")]
        public static partial void LeftForRedelivery(ILogger logger, string pubSubName, string topic, string messageId, int attempts, int deliveryCount, string reason);

        [LoggerMessage(EventId = 1925, Level = LogLevel.Warning, Message = "Event {MessageId} on {PubSubName}/{Topic} went to the dead-letter topic {DeadLetterTopic}: {Reason}")]
        public static partial void DeadLettered(ILogger logger, string pubSubName, string topic, string messageId, string deadLetterTopic, string reason);

        [LoggerMessage(EventId = 1926, Level = LogLevel.Error, Message = "Publishing event {MessageId} to the dead-letter topic {DeadLetterTopic} of {PubSubName} failed; it stays with the broker")]
        public static partial void DeadLetterFailed(ILogger logger, string pubSubName, string deadLetterTopic, string messageId, Exception exception);
    }
}
