using System.Text.Json;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Satcar.Runtime.PubSub;

/// <summary>
/// The gRPC side of pub/sub for an app on <c>--app-protocol grpc</c>: the <c>TopicEventRequest</c> daprd
/// builds from a CloudEvent (<c>GRPCEnvelopeFromSubscriptionMessage</c> in <c>pkg/runtime/pubsub</c>), and
/// the subscriptions an app lists with <c>ListTopicSubscriptions</c>.
/// </summary>
public static class GrpcTopicEvents
{
    /// <summary>The CloudEvent attributes that have their own fields; every other attribute is an extension.</summary>
    private static readonly HashSet<string> s_ownFields = new(StringComparer.Ordinal)
    {
        "id", "source", "datacontenttype", "type", "specversion", "data", "data_base64",
    };

    /// <summary>
    /// The request for one CloudEvent: its own attributes as fields, the rest as <c>extensions</c>, and
    /// <c>data</c> as daprd sets it: <c>data_base64</c> decoded; a text or XML <c>data</c> string as its
    /// UTF-8 bytes; JSON (or CloudEvents JSON) <c>data</c> re-serialized; nothing for other content types.
    /// </summary>
    /// <returns>The request, or null with the reason when the event cannot be delivered (daprd retries it).</returns>
    public static TopicEventRequest? Request(JsonElement cloudEvent, string pubSubName, string topic, string path, out string? problem)
    {
        problem = null;
        var request = new TopicEventRequest
        {
            Id = Text(cloudEvent, "id"),
            Source = Text(cloudEvent, "source"),
            Type = Text(cloudEvent, "type"),
            SpecVersion = Text(cloudEvent, "specversion"),
            DataContentType = Text(cloudEvent, "datacontenttype"),
            Topic = topic,
            PubsubName = pubSubName,
            Path = path,
            Extensions = new Struct(),
        };

        if (cloudEvent.TryGetProperty("data_base64", out var base64) && base64.ValueKind != JsonValueKind.Null)
        {
            if (base64.ValueKind != JsonValueKind.String || !base64.TryGetBytesFromBase64(out var bytes))
            {
                problem = "data_base64 is not a base64 string";
                return null;
            }

            request.Data = ByteString.CopyFrom(bytes);
        }
        else if (cloudEvent.TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null)
        {
            var mediaType = CloudEvents.MediaType(request.DataContentType);
            if (mediaType.StartsWith("text/", StringComparison.Ordinal) || mediaType == "application/xml")
            {
                if (data.ValueKind != JsonValueKind.String)
                {
                    problem = $"data is not a string although datacontenttype is {request.DataContentType}";
                    return null;
                }

                request.Data = ByteString.CopyFromUtf8(data.GetString());
            }
            else if (mediaType is "application/json" or CloudEvents.ContentType)
            {
                request.Data = ByteString.CopyFrom(Compact(data));
            }
        }

        foreach (var property in cloudEvent.EnumerateObject())
        {
            if (!s_ownFields.Contains(property.Name))
            {
                request.Extensions.Fields[property.Name] = ToValue(property.Value);
            }
        }

        return request;
    }

    /// <summary>
    /// The subscriptions of a <c>ListTopicSubscriptionsResponse</c>, as daprd reads them: rules in order,
    /// then <c>routes.default</c>; a subscription without any route gets the empty path, which a gRPC
    /// app tells apart by topic (unlike HTTP, where it is discarded). Paths are passed on as given.
    /// </summary>
    public static IReadOnlyList<SubscriptionSpec> Subscriptions(ListTopicSubscriptionsResponse response, List<string> problems)
    {
        var subscriptions = new List<SubscriptionSpec>();
        var index = 0;
        foreach (var entry in response.Subscriptions)
        {
            var at = $"ListTopicSubscriptions[{index++}]";
            if (entry.PubsubName.Length == 0 || entry.Topic.Length == 0)
            {
                problems.Add($"{at}: pubsub_name and topic are required");
                continue;
            }

            var rules = new List<RouteRule>();
            foreach (var rule in entry.Routes?.Rules ?? [])
            {
                var match = rule.Match.Trim();
                try
                {
                    rules.Add(new RouteRule(match, rule.Path, match.Length == 0 ? null : RouteExpression.Parse(match)));
                }
                catch (FormatException e)
                {
                    problems.Add($"{at}: rule '{match}' is ignored: {e.Message}");
                }
            }

            var defaultPath = entry.Routes?.Default is { Length: > 0 } given ? given : null;
            subscriptions.Add(new SubscriptionSpec
            {
                PubSubName = entry.PubsubName,
                Topic = entry.Topic,
                Rules = rules,
                DefaultPath = defaultPath ?? (rules.Count == 0 ? "" : null),
                Metadata = new Dictionary<string, string>(entry.Metadata, StringComparer.Ordinal),
                DeadLetterTopic = entry.DeadLetterTopic is { Length: > 0 } dead ? dead : null,
                Type = "PROGRAMMATIC",
                Source = "the app's ListTopicSubscriptions",
            });
        }

        return subscriptions;
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static byte[] Compact(JsonElement element)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(writer);
        }

        return buffer.ToArray();
    }

    private static Value ToValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => Value.ForString(element.GetString()!),
        JsonValueKind.Number => Value.ForNumber(element.GetDouble()),
        JsonValueKind.True => Value.ForBool(true),
        JsonValueKind.False => Value.ForBool(false),
        JsonValueKind.Object => Value.ForStruct(ToStruct(element)),
        JsonValueKind.Array => Value.ForList([.. element.EnumerateArray().Select(ToValue)]),
        _ => Value.ForNull(),
    };

    private static Struct ToStruct(JsonElement element)
    {
        var result = new Struct();
        foreach (var property in element.EnumerateObject())
        {
            result.Fields[property.Name] = ToValue(property.Value);
        }

        return result;
    }
}
