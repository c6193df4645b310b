namespace Satcar.Runtime.State;

/// <summary>
/// How a store's keys are prefixed (component metadata <c>keyPrefix</c>, https://docs.dapr.io/developing-applications/building-blocks/state-management/howto-share-state/):
/// <c>appid</c> (default) gives <c>appid||key</c>, <c>name</c> the store name, <c>namespace</c>
/// <c>namespace.appid</c>, <c>none</c> the bare key, and any other text is used as the prefix itself.
/// </summary>
public sealed class StateKeyPrefix
{
    public const string Separator = "||";

    private readonly string _prefix;

    private StateKeyPrefix(string prefix) => _prefix = prefix;

    /// <summary>The prefix strategy for a store, from its <c>keyPrefix</c> metadata (null for the default).</summary>
    public static StateKeyPrefix For(string? keyPrefix, string storeName, string appId, string @namespace)
    {
        var prefix = (keyPrefix ?? "appid").ToLowerInvariant() switch
        {
            "appid" => appId,
            "name" => storeName,
            "namespace" => @namespace.Length > 0 ? $"{@namespace}.{appId}" : appId,
            "none" => "",
            _ => keyPrefix!,
        };
        return new StateKeyPrefix(prefix);
    }

    /// <summary>True when the configured literal prefix itself contains the separator (a configuration error).</summary>
    public bool IsInvalid => _prefix.Contains(Separator, StringComparison.Ordinal);

    /// <summary>The key as stored: the prefix, <c>||</c>, then the caller's key.</summary>
    public string Apply(string key) => _prefix.Length == 0 ? key : string.Concat(_prefix, Separator, key);
}
