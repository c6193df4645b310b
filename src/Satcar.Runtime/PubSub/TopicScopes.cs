using Satcar.Runtime.Components;

namespace Satcar.Runtime.PubSub;

/// <summary>
/// Topic scoping from a pub/sub component's metadata (https://docs.dapr.io/developing-applications/building-blocks/pubsub/pubsub-scopes/):
/// <c>publishingScopes</c> and <c>subscriptionScopes</c> (<c>app1=t1,t2;app2=</c>: a listed app uses only
/// its topics, an unlisted app any), <c>allowedTopics</c> (only these topics, for everyone) and
/// <c>protectedTopics</c> (only apps that list the topic in their scope).
/// </summary>
public sealed class TopicScopes
{
    private readonly Dictionary<string, HashSet<string>> _publishing;
    private readonly Dictionary<string, HashSet<string>> _subscribing;
    private readonly HashSet<string>? _allowed;
    private readonly HashSet<string> _protected;

    private TopicScopes(
        Dictionary<string, HashSet<string>> publishing, Dictionary<string, HashSet<string>> subscribing, HashSet<string>? allowed, HashSet<string> @protected)
    {
        _publishing = publishing;
        _subscribing = subscribing;
        _allowed = allowed;
        _protected = @protected;
    }

    public static TopicScopes From(ComponentMetadata metadata) => new(
        ParseScopes(metadata.GetString("publishingScopes")),
        ParseScopes(metadata.GetString("subscriptionScopes")),
        metadata.GetString("allowedTopics") is { } allowed ? ParseList(allowed) : null,
        ParseList(metadata.GetString("protectedTopics") ?? ""));

    public bool CanPublish(string appId, string topic) => Allows(_publishing, appId, topic);

    public bool CanSubscribe(string appId, string topic) => Allows(_subscribing, appId, topic);

    private bool Allows(Dictionary<string, HashSet<string>> scopes, string appId, string topic)
    {
        if (_allowed is not null && !_allowed.Contains(topic))
        {
            return false;
        }

        if (scopes.TryGetValue(appId, out var topics))
        {
            return topics.Contains(topic);
        }

        return !_protected.Contains(topic);
    }

    private static Dictionary<string, HashSet<string>> ParseScopes(string? text)
    {
        var scopes = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var entry in (text ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split('=', 2);
            scopes[parts[0].Trim()] = ParseList(parts.Length > 1 ? parts[1] : "");
        }

        return scopes;
    }

    private static HashSet<string> ParseList(string text) =>
        new(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
}
