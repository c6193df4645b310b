using System.Text.Json;

namespace Satcar.Runtime.PubSub;

/// <summary>
/// Reads the app's answer to <c>GET /dapr/subscribe</c> (https://docs.dapr.io/developing-applications/building-blocks/pubsub/subscription-methods/#programmatic-subscriptions):
/// a JSON array of <c>{pubsubname, topic, route | routes: {rules, default}, metadata, deadLetterTopic}</c>.
/// Each bad entry is reported and skipped; the rest still subscribe.
/// </summary>
public static class ProgrammaticSubscriptions
{
    public static IReadOnlyList<SubscriptionSpec> Parse(ReadOnlySpan<byte> json, List<string> problems)
    {
        var subscriptions = new List<SubscriptionSpec>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            problems.Add($"the app's /dapr/subscribe answer is not JSON: {e.Message}");
            return subscriptions;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                problems.Add("the app's /dapr/subscribe answer must be a JSON array");
                return subscriptions;
            }

            var index = 0;
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                var at = $"/dapr/subscribe[{index++}]";
                if (Read(entry, at, problems) is { } subscription)
                {
                    subscriptions.Add(subscription);
                }
            }
        }

        return subscriptions;
    }

    private static SubscriptionSpec? Read(JsonElement entry, string at, List<string> problems)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{at} must be an object");
            return null;
        }

        var pubsub = Text(entry, "pubsubname") ?? Text(entry, "pubsubName");
        var topic = Text(entry, "topic");
        if (string.IsNullOrEmpty(pubsub) || string.IsNullOrEmpty(topic))
        {
            problems.Add($"{at}: pubsubname and topic are required");
            return null;
        }

        var rules = new List<RouteRule>();
        string? defaultPath = null;
        if (entry.TryGetProperty("routes", out var routes) && routes.ValueKind == JsonValueKind.Object)
        {
            if (routes.TryGetProperty("rules", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var rule in list.EnumerateArray())
                {
                    var path = Text(rule, "path");
                    var match = Text(rule, "match") ?? "";
                    if (string.IsNullOrEmpty(path))
                    {
                        problems.Add($"{at}: a rule without a path is ignored");
                        continue;
                    }

                    try
                    {
                        rules.Add(new RouteRule(match, SubscriptionSpec.NormalizePath(path), match.Length == 0 ? null : RouteExpression.Parse(match)));
                    }
                    catch (FormatException e)
                    {
                        problems.Add($"{at}: rule '{match}' is ignored: {e.Message}");
                    }
                }
            }

            defaultPath = Text(routes, "default");
        }

        defaultPath ??= Text(entry, "route");
        if (rules.Count == 0 && string.IsNullOrEmpty(defaultPath))
        {
            // daprd discards a subscription that names no path at all.
            problems.Add($"{at}: no route for {pubsub}/{topic}; the subscription is discarded");
            return null;
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (entry.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in meta.EnumerateObject())
            {
                metadata[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }
        }

        return new SubscriptionSpec
        {
            PubSubName = pubsub,
            Topic = topic,
            Rules = rules,
            DefaultPath = string.IsNullOrEmpty(defaultPath) ? null : SubscriptionSpec.NormalizePath(defaultPath),
            Metadata = metadata,
            DeadLetterTopic = Text(entry, "deadLetterTopic") is { Length: > 0 } dead ? dead : null,
            Type = "PROGRAMMATIC",
            Source = "the app's /dapr/subscribe",
        };
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
