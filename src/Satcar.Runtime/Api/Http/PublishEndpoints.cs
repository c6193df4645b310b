using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.PubSub;

namespace Satcar.Runtime.Api.Http;

/// <summary>
/// The HTTP head of publishing (https://docs.dapr.io/reference/api/pubsub_api/): PublishEvent and
/// BulkPublishEvent. The body is the payload whatever its content type; <c>metadata.*</c> query
/// parameters carry <c>rawPayload</c>, the TTL and CloudEvent overrides.
/// </summary>
internal sealed class PublishEndpoints(PubSubService pubsub, SatcarOptions options)
{
    /// <summary>POST|PUT /v1.0/publish/{pubsub}/{topic…}</summary>
    public async Task PublishEventAsync(HttpContext context, string pubsubName, string topic)
    {
        pubsub.Find(pubsubName, topic);
        var body = await RequestReading.ReadBodyAsync(context, options.MaxBodySize);
        await pubsub.PublishAsync(new PublishRequest
        {
            PubSubName = pubsubName,
            Topic = topic,
            Data = body,
            ContentType = context.Request.ContentType,
            Metadata = RequestReading.QueryMetadata(context),
            TraceParent = NullIfEmpty(context.Request.Headers["traceparent"].ToString()),
            TraceState = NullIfEmpty(context.Request.Headers["tracestate"].ToString()),
        }, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>POST|PUT /v1.0[-alpha1]/publish/bulk/{pubsub}/{topic…}: a JSON array of <c>{entryId, event, contentType, metadata}</c>.</summary>
    public async Task BulkPublishEventAsync(HttpContext context, string pubsubName, string topic)
    {
        pubsub.Find(pubsubName, topic);
        using var document = RequestReading.ParseJson(await RequestReading.ReadBodyAsync(context, options.MaxBodySize));
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw ApiErrors.BulkEvents("the body must be a JSON array of entries with entryId, event and contentType");
        }

        var entries = new List<BulkPublishEntry>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var element in document.RootElement.EnumerateArray())
        {
            var entry = ReadEntry(element, index++);
            if (!ids.Add(entry.EntryId))
            {
                throw ApiErrors.BulkEvents($"entryId '{entry.EntryId}' is used more than once");
            }

            entries.Add(entry);
        }

        var failures = await pubsub.BulkPublishAsync(
            pubsubName, topic, entries, RequestReading.QueryMetadata(context),
            NullIfEmpty(context.Request.Headers["traceparent"].ToString()), context.RequestAborted);
        if (failures.Count == 0)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteStartArray("failedEntries");
        foreach (var failure in failures)
        {
            writer.WriteStartObject();
            writer.WriteString("entryId", failure.EntryId);
            writer.WriteString("error", failure.Error);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("errorCode", ApiErrors.PubSubPublishMessage.Code);
        writer.WriteEndObject();
    }

    /// <summary>
    /// One entry, its event turned into bytes by its content type as daprd does: octet-stream events
    /// are base64 strings, text and XML events are JSON strings used as they are, JSON events are any
    /// JSON value.
    /// </summary>
    private static BulkPublishEntry ReadEntry(JsonElement element, int index)
    {
        var at = $"entry {index}";
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw ApiErrors.BulkEvents($"{at} must be an object");
        }

        var entryId = element.TryGetProperty("entryId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : "";
        if (entryId.Length == 0)
        {
            throw ApiErrors.BulkEvents($"{at}: entryId is required");
        }

        var contentType = element.TryGetProperty("contentType", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString()! : "";
        if (!element.TryGetProperty("event", out var value))
        {
            throw ApiErrors.BulkEvents($"entry {entryId}: event is required");
        }

        var media = CloudEvents.MediaType(contentType);
        byte[] data;
        if (media == "application/octet-stream")
        {
            data = value.ValueKind == JsonValueKind.String && value.TryGetBytesFromBase64(out var bytes)
                ? bytes
                : throw ApiErrors.BulkEvents($"entry {entryId}: an application/octet-stream event must be a base64 string");
        }
        else if (media.StartsWith("text/", StringComparison.Ordinal) || media == "application/xml")
        {
            data = value.ValueKind == JsonValueKind.String
                ? Encoding.UTF8.GetBytes(value.GetString()!)
                : throw ApiErrors.BulkEvents($"entry {entryId}: a {media} event must be a JSON string");
        }
        else if (CloudEvents.IsJson(contentType) || CloudEvents.IsCloudEvent(contentType))
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                value.WriteTo(writer);
            }

            data = buffer.WrittenSpan.ToArray();
        }
        else
        {
            throw ApiErrors.BulkEvents($"entry {entryId}: contentType '{contentType}' is not supported; use a JSON, text, XML or octet-stream type");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in meta.EnumerateObject())
            {
                metadata[property.Name] = property.Value.ValueKind == JsonValueKind.String
                    ? property.Value.GetString()!
                    : throw ApiErrors.BulkEvents($"entry {entryId}: metadata.{property.Name} must be a string");
            }
        }

        return new BulkPublishEntry(entryId, data, contentType, metadata);
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
