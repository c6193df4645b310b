using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Components;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;

namespace Satcar.Runtime.PubSub;

/// <summary>
/// Publishing, independent of transport: finds the broker, applies topic scopes, builds the CloudEvent
/// envelope (unless <c>rawPayload</c>) and hands the bytes to the component. Both API heads and the
/// dead-letter path publish through it.
/// </summary>
public sealed partial class PubSubService(ComponentStore components, SatcarOptions options, TimeProvider time, ILogger<PubSubService> logger)
{
    private const string RawPayload = "rawPayload";

    private readonly ConditionalWeakTable<ComponentMetadata, TopicScopes> _scopes = [];

    /// <summary>Publishes one event; throws the catalogue's errors for unknown brokers, forbidden topics, bad metadata and broker failures.</summary>
    public async Task PublishAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        var (pubsub, component) = Find(request.PubSubName, request.Topic);
        if (!ScopesOf(component).CanPublish(options.AppId, request.Topic))
        {
            throw ApiErrors.TopicForbidden(request.Topic, request.PubSubName, options.AppId);
        }

        var message = Prepare(pubsub, request);
        try
        {
            await pubsub.PublishAsync(message, cancellationToken);
        }
        catch (Exception e) when (e is not ApiException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            Log.PublishFailed(logger, request.PubSubName, request.Topic, e);
            throw ApiErrors.PublishFailed(request.Topic, request.PubSubName, e.Message);
        }
    }

    /// <summary>
    /// Publishes every entry; entries are checked first, so a malformed request publishes nothing. The
    /// result lists the entries the broker refused.
    /// </summary>
    public async Task<IReadOnlyList<BulkPublishFailure>> BulkPublishAsync(
        string pubsubName, string topic, IReadOnlyList<BulkPublishEntry> entries, IReadOnlyDictionary<string, string> metadata,
        string? traceParent, CancellationToken cancellationToken)
    {
        var (pubsub, component) = Find(pubsubName, topic);
        if (!ScopesOf(component).CanPublish(options.AppId, topic))
        {
            throw ApiErrors.TopicForbidden(topic, pubsubName, options.AppId);
        }

        var messages = new List<(string EntryId, PubSubMessage Message)>(entries.Count);
        foreach (var entry in entries)
        {
            // Entry metadata overrides the request's, as daprd does.
            var merged = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
            foreach (var (key, value) in entry.Metadata)
            {
                merged[key] = value;
            }

            messages.Add((entry.EntryId, Prepare(pubsub, new PublishRequest
            {
                PubSubName = pubsubName,
                Topic = topic,
                Data = entry.Data,
                ContentType = entry.ContentType,
                Metadata = merged,
                TraceParent = traceParent,
            })));
        }

        var failures = new List<BulkPublishFailure>();
        foreach (var (entryId, message) in messages)
        {
            try
            {
                await pubsub.PublishAsync(message, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.PublishFailed(logger, pubsubName, topic, e);
                failures.Add(new BulkPublishFailure(entryId, e.Message));
            }
        }

        return failures;
    }

    /// <summary>Republishes a delivered message's bytes unchanged to its dead-letter topic.</summary>
    public async Task PublishDeadLetterAsync(string pubsubName, string topic, ReadOnlyMemory<byte> data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var (pubsub, _) = Find(pubsubName, topic);
        await pubsub.PublishAsync(new PubSubMessage(topic, data, CloudEvents.ContentType, metadata), cancellationToken);
    }

    /// <summary>The live broker and its component, or daprd's not-configured or not-found error.</summary>
    public (IPubSub PubSub, LoadedComponent Component) Find(string pubsubName, string topic)
    {
        if (pubsubName.Length == 0)
        {
            throw ApiErrors.PubSubNameEmpty();
        }

        if (components.CountOf<IPubSub>() == 0)
        {
            throw ApiErrors.PubSubNotConfiguredError(options.AppId);
        }

        if (!components.TryGet(pubsubName, out var component) || component.Instance is not IPubSub pubsub)
        {
            throw ApiErrors.PubSubNotFoundError(pubsubName, options.AppId);
        }

        if (topic.Length == 0)
        {
            throw ApiErrors.TopicEmpty(pubsubName);
        }

        return (pubsub, component);
    }

    /// <summary>The topic scopes of a broker, read once per component instance.</summary>
    public TopicScopes ScopesOf(LoadedComponent component) =>
        _scopes.GetValue(component.Metadata, TopicScopes.From);

    private PubSubMessage Prepare(IPubSub pubsub, PublishRequest request)
    {
        var metadata = request.Metadata;
        var raw = ParseBoolean(metadata, RawPayload);
        var ttl = ParseTtl(metadata);
        var now = time.GetUtcNow();
        if (raw)
        {
            return new PubSubMessage(request.Topic, request.Data, request.ContentType ?? "application/octet-stream", metadata);
        }

        // A broker without native message TTL gets an expiration in the envelope; subscribers drop expired events.
        var expires = ttl is { } seconds && !pubsub.Features.HasFlag(PubSubFeatures.MessageTtl) ? now.AddSeconds(seconds) : (DateTimeOffset?)null;
        var envelope = CloudEvents.Envelope(new EnvelopeRequest
        {
            PubSubName = request.PubSubName,
            Topic = request.Topic,
            Data = request.Data,
            ContentType = request.ContentType,
            AppId = options.AppId,
            TraceParent = request.TraceParent,
            TraceState = request.TraceState,
            Now = now,
            ExpiresAt = expires,
            Overrides = CloudEventOverrides.From(metadata),
        });
        return new PubSubMessage(request.Topic, envelope, CloudEvents.ContentType, metadata);
    }

    private static bool ParseBoolean(IReadOnlyDictionary<string, string> metadata, string key)
    {
        if (!metadata.TryGetValue(key, out var text) || text.Length == 0)
        {
            return false;
        }

        return text.ToLowerInvariant() switch
        {
            "true" or "1" or "t" or "yes" or "y" or "on" => true,
            "false" or "0" or "f" or "no" or "n" or "off" => false,
            _ => throw ApiErrors.PublishMetadata($"{key} must be true or false, got '{text}'"),
        };
    }

    private static int? ParseTtl(IReadOnlyDictionary<string, string> metadata)
    {
        foreach (var key in new[] { "ttlInSeconds", "ttl" })
        {
            if (metadata.TryGetValue(key, out var text) && text.Length > 0)
            {
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                    ? seconds
                    : throw ApiErrors.PublishMetadata($"{key} must be a positive whole number of seconds, got '{text}'");
            }
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1900, Level = LogLevel.Warning, Message = "Publishing to {PubSubName}/{Topic} failed")]
        public static partial void PublishFailed(ILogger logger, string pubSubName, string topic, Exception exception);
    }
}

/// <summary>One publish: where, what, and the caller's trace context.</summary>
public sealed record PublishRequest
{
    public required string PubSubName { get; init; }

    public required string Topic { get; init; }

    public required ReadOnlyMemory<byte> Data { get; init; }

    public string? ContentType { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }
}

/// <summary>One entry of a bulk publish, already converted to bytes.</summary>
public sealed record BulkPublishEntry(string EntryId, ReadOnlyMemory<byte> Data, string ContentType, IReadOnlyDictionary<string, string> Metadata);

/// <summary>An entry the broker refused, with the reason.</summary>
public sealed record BulkPublishFailure(string EntryId, string Error);
