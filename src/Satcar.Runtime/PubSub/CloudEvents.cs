using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Satcar.Runtime.Errors;

namespace Satcar.Runtime.PubSub;

/// <summary>
/// The CloudEvents 1.0 envelope daprd wraps published data in (https://docs.dapr.io/developing-applications/building-blocks/pubsub/pubsub-cloudevents/):
/// a new envelope around the body, or the caller's own CloudEvent completed with the fields Dapr adds.
/// </summary>
public static class CloudEvents
{
    public const string ContentType = "application/cloudevents+json";
    public const string DefaultType = "com.dapr.event.sent";
    public const string SpecVersion = "1.0";

    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Builds the envelope to publish.</summary>
    /// <param name="request">What was published and by whom.</param>
    /// <returns>The envelope's UTF-8 JSON.</returns>
    public static byte[] Envelope(EnvelopeRequest request)
    {
        var contentType = string.IsNullOrWhiteSpace(request.ContentType) ? "text/plain" : request.ContentType;
        return IsCloudEvent(contentType) ? Complete(request) : Wrap(request, contentType);
    }

    /// <summary>True for <c>application/cloudevents+json</c>, with or without parameters.</summary>
    public static bool IsCloudEvent(string? contentType) => MediaType(contentType) == ContentType;

    /// <summary>True for JSON content types: <c>application/json</c>, <c>text/json</c> and <c>+json</c> suffixes.</summary>
    public static bool IsJson(string? contentType) =>
        MediaType(contentType) is "application/json" or "text/json" || MediaType(contentType).EndsWith("+json", StringComparison.Ordinal);

    /// <summary>The media type without parameters, lower-cased.</summary>
    public static string MediaType(string? contentType) =>
        (contentType ?? "").Split(';', 2)[0].Trim().ToLowerInvariant();

    /// <summary>A new W3C <c>traceparent</c> for a publish that carries none.</summary>
    public static string NewTraceParent() =>
        $"00-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01";

    /// <summary>RFC 3339 in UTC, as Go formats <c>time.RFC3339</c>.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static byte[] Wrap(EnvelopeRequest request, string contentType)
    {
        var buffer = new ArrayBufferWriter<byte>(request.Data.Length + 512);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            var overrides = request.Overrides;
            var traceParent = overrides.TraceParent ?? overrides.TraceId ?? request.TraceParent ?? NewTraceParent();
            writer.WriteStartObject();
            writer.WriteString("specversion", SpecVersion);
            writer.WriteString("id", overrides.Id ?? Guid.NewGuid().ToString());
            writer.WriteString("source", overrides.Source ?? (request.AppId.Length > 0 ? request.AppId : "Dapr"));
            writer.WriteString("type", overrides.Type ?? DefaultType);
            writer.WriteString("datacontenttype", contentType);
            if (overrides.Subject is { } subject)
            {
                writer.WriteString("subject", subject);
            }

            writer.WriteString("topic", request.Topic);
            writer.WriteString("pubsubname", request.PubSubName);
            writer.WriteString("traceid", traceParent);
            writer.WriteString("traceparent", traceParent);
            writer.WriteString("tracestate", overrides.TraceState ?? request.TraceState ?? "");
            writer.WriteString("time", Timestamp(request.Now));
            if (request.ExpiresAt is { } expires)
            {
                writer.WriteString("expiration", Timestamp(expires));
            }

            WriteData(writer, request.Data.Span, contentType);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    // JSON content becomes a JSON value (its text when it is not valid JSON), octet-stream goes to
    // data_base64, anything else is a string: the rules of components-contrib's envelope.go.
    private static void WriteData(Utf8JsonWriter writer, ReadOnlySpan<byte> data, string contentType)
    {
        if (MediaType(contentType) == "application/octet-stream")
        {
            writer.WriteBase64String("data_base64", data);
            return;
        }

        writer.WritePropertyName("data");
        if (IsJson(contentType) && IsJsonValue(data))
        {
            writer.WriteRawValue(data, skipInputValidation: true);
        }
        else if (System.Text.Unicode.Utf8.IsValid(data))
        {
            writer.WriteStringValue(data);
        }
        else
        {
            writer.WriteStringValue(Encoding.UTF8.GetString(data));
        }
    }

    private static byte[] Complete(EnvelopeRequest request)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request.Data, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw ApiErrors.CloudEvent($"the body is not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw ApiErrors.CloudEvent("the body of an application/cloudevents+json publish must be a JSON object");
            }

            var overrides = request.Overrides;
            var root = document.RootElement;
            var buffer = new ArrayBufferWriter<byte>(request.Data.Length + 256);
            using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
            {
                var set = new HashSet<string>(StringComparer.Ordinal);
                writer.WriteStartObject();
                foreach (var property in root.EnumerateObject())
                {
                    // topic and pubsubname are the runtime's, and so is expiration when the publish gives a TTL (daprd
                    // sets it over the caller's); the rest of the caller's event is kept.
                    if (property.NameEquals("topic") || property.NameEquals("pubsubname")
                        || (request.ExpiresAt is not null && property.NameEquals("expiration")) || !set.Add(property.Name))
                    {
                        continue;
                    }

                    property.WriteTo(writer);
                }

                var traceParent = overrides.TraceParent ?? request.TraceParent ?? NewTraceParent();
                WriteIfAbsent(writer, set, "specversion", SpecVersion);
                WriteIfAbsent(writer, set, "id", overrides.Id ?? Guid.NewGuid().ToString());
                WriteIfAbsent(writer, set, "source", overrides.Source ?? "Dapr");
                WriteIfAbsent(writer, set, "type", overrides.Type ?? DefaultType);
                WriteIfAbsent(writer, set, "time", Timestamp(request.Now));
                WriteIfAbsent(writer, set, "traceid", traceParent);
                WriteIfAbsent(writer, set, "traceparent", traceParent);
                WriteIfAbsent(writer, set, "tracestate", overrides.TraceState ?? request.TraceState ?? "");
                if (request.ExpiresAt is { } expires)
                {
                    WriteIfAbsent(writer, set, "expiration", Timestamp(expires));
                }

                writer.WriteString("topic", request.Topic);
                writer.WriteString("pubsubname", request.PubSubName);
                writer.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }
    }

    private static void WriteIfAbsent(Utf8JsonWriter writer, HashSet<string> present, string name, string value)
    {
        if (present.Add(name))
        {
            writer.WriteString(name, value);
        }
    }

    private static bool IsJsonValue(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return false;
        }

        var reader = new Utf8JsonReader(data);
        try
        {
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

/// <summary>What an envelope is built from.</summary>
public sealed record EnvelopeRequest
{
    public required string PubSubName { get; init; }

    public required string Topic { get; init; }

    public required ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The publish's content type; empty means <c>text/plain</c>.</summary>
    public string? ContentType { get; init; }

    /// <summary>The publishing app's id: the envelope's <c>source</c>.</summary>
    public string AppId { get; init; } = "";

    /// <summary>The caller's <c>traceparent</c>, when it sent one.</summary>
    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }

    public DateTimeOffset Now { get; init; }

    /// <summary>When the message expires (a TTL the broker cannot enforce itself), or null.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The <c>metadata.cloudevent.*</c> overrides of the publish.</summary>
    public CloudEventOverrides Overrides { get; init; } = new();
}

/// <summary>Envelope fields a publisher sets through <c>metadata.cloudevent.&lt;field&gt;</c>.</summary>
public sealed record CloudEventOverrides
{
    public string? Id { get; init; }

    public string? Source { get; init; }

    public string? Type { get; init; }

    public string? Subject { get; init; }

    public string? TraceId { get; init; }

    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }

    public static CloudEventOverrides From(IReadOnlyDictionary<string, string> metadata)
    {
        string? Get(string field) => metadata.TryGetValue($"cloudevent.{field}", out var value) && value.Length > 0 ? value : null;
        return new CloudEventOverrides
        {
            Id = Get("id"),
            Source = Get("source"),
            Type = Get("type"),
            Subject = Get("subject"),
            TraceId = Get("traceid"),
            TraceParent = Get("traceparent"),
            TraceState = Get("tracestate"),
        };
    }
}
