using System.Text.Json;

namespace Satcar.Runtime.PubSub;

/// <summary>
/// One subscription, declarative (a <c>Subscription</c> resource) or programmatic (the app's
/// <c>GET /dapr/subscribe</c>): which topic, where each event goes, and what happens to failures.
/// </summary>
public sealed record SubscriptionSpec
{
    public required string PubSubName { get; init; }

    public required string Topic { get; init; }

    /// <summary>Routing rules, tried in order; the first that matches names the path.</summary>
    public IReadOnlyList<RouteRule> Rules { get; init; } = [];

    /// <summary>The path for events no rule matches (<c>routes.default</c>, else v1's <c>route</c>); null drops them.</summary>
    public string? DefaultPath { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    public string? DeadLetterTopic { get; init; }

    /// <summary><c>DECLARATIVE</c> or <c>PROGRAMMATIC</c>, as the metadata API reports it.</summary>
    public required string Type { get; init; }

    /// <summary>Where it came from, for messages: a resource file or the app.</summary>
    public string Source { get; init; } = "";

    /// <summary>True when events are delivered as raw payloads wrapped by the subscriber (<c>metadata.rawPayload</c>).</summary>
    public bool RawPayload => Metadata.TryGetValue("rawPayload", out var raw) && raw.Equals("true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The path for an event, or null when it matches nothing (daprd drops it as handled).</summary>
    public string? Route(JsonElement cloudEvent)
    {
        foreach (var rule in Rules)
        {
            if (rule.Expression is null || rule.Expression.Matches(cloudEvent))
            {
                return rule.Path;
            }
        }

        return DefaultPath;
    }

    /// <summary>Equal by content, so a reload of an unchanged subscription keeps it running.</summary>
    public bool Equals(SubscriptionSpec? other) =>
        other is not null
        && PubSubName == other.PubSubName && Topic == other.Topic && DefaultPath == other.DefaultPath
        && DeadLetterTopic == other.DeadLetterTopic && Type == other.Type
        && Rules.Select(r => (r.Match, r.Path)).SequenceEqual(other.Rules.Select(r => (r.Match, r.Path)))
        && Metadata.Count == other.Metadata.Count
        && Metadata.All(m => other.Metadata.TryGetValue(m.Key, out var value) && value == m.Value);

    public override int GetHashCode() => HashCode.Combine(PubSubName, Topic, DefaultPath);

    /// <summary>A path as the app is called with it: SDKs may leave out the leading slash.</summary>
    public static string NormalizePath(string path) => path.StartsWith('/') ? path : "/" + path;
}

/// <summary>A routing rule: a CEL expression (none: always) and the path it sends to.</summary>
public sealed record RouteRule(string Match, string Path, RouteExpression? Expression);
