namespace Satcar.Runtime.Resources;

/// <summary>A <c>kind: Component</c> document (https://docs.dapr.io/reference/resource-specs/component-schema/).</summary>
public sealed record ComponentResource
{
    public required string Name { get; init; }

    public string? Namespace { get; init; }

    /// <summary>The component type, such as <c>state.redis</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The component version; <c>v1</c> when the document leaves it out.</summary>
    public required string Version { get; init; }

    /// <summary>When true an init failure is logged and the satcar goes on without the component.</summary>
    public bool IgnoreErrors { get; init; }

    public TimeSpan? InitTimeout { get; init; }

    public IReadOnlyList<MetadataItem> Metadata { get; init; } = [];

    /// <summary>The secret store that <c>secretKeyRef</c> items are read from (<c>auth.secretStore</c>).</summary>
    public string? SecretStore { get; init; }

    /// <summary>The app ids allowed to load the component; empty means every app.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>The file the document came from and its first line.</summary>
    public required string File { get; init; }

    public int Line { get; init; }

    /// <summary>The building block, taken from the type's prefix (<c>state</c>, <c>pubsub</c>, <c>bindings</c>, …).</summary>
    public string Category => Type.Split('.', 2)[0];

    /// <summary>True when both describe the same component: a reload of an unchanged file keeps the live instance.</summary>
    public bool SameSpecAs(ComponentResource other) =>
        Name == other.Name && Namespace == other.Namespace && Type == other.Type && Version == other.Version
        && IgnoreErrors == other.IgnoreErrors && InitTimeout == other.InitTimeout && SecretStore == other.SecretStore
        && Scopes.SequenceEqual(other.Scopes) && Metadata.SequenceEqual(other.Metadata);

    /// <summary>True when the component is loaded by an app with this id (daprd's <c>scopes</c> rule).</summary>
    public bool IsInScope(string appId) => Scopes.Count == 0 || Scopes.Contains(appId, StringComparer.Ordinal);
}

/// <summary>One <c>spec.metadata</c> item: a literal value, a secret reference or an environment reference.</summary>
public sealed record MetadataItem(string Name, string? Value, SecretKeyRef? SecretKeyRef = null, string? EnvRef = null);

/// <summary>A <c>secretKeyRef</c>: the secret's name and the key inside it (the name when no key is given).</summary>
public sealed record SecretKeyRef(string Name, string Key);
