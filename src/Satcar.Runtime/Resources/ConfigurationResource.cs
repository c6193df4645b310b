using System.Text.Json.Nodes;

namespace Satcar.Runtime.Resources;

/// <summary>
/// A <c>kind: Configuration</c> document (https://docs.dapr.io/reference/resource-specs/configuration-schema/).
/// The whole <c>spec</c> is kept as JSON so that free-form sections, such as the name resolver's
/// <c>configuration</c>, reach their consumer unchanged; the parts the runtime acts on are typed.
/// </summary>
public sealed record ConfigurationResource
{
    public required string Name { get; init; }

    /// <summary>The files the configuration was read from, in order.</summary>
    public required IReadOnlyList<string> Files { get; init; }

    public required JsonObject Spec { get; init; }

    /// <summary><c>spec.nameResolution</c>, when present.</summary>
    public NameResolutionSpec? NameResolution { get; init; }

    /// <summary><c>spec.features</c> by name, with their <c>enabled</c> flag.</summary>
    public IReadOnlyDictionary<string, bool> Features { get; init; } = new Dictionary<string, bool>();

    /// <summary><c>spec.logging.apiLogging.enabled</c>, when present.</summary>
    public bool? ApiLogging { get; init; }

    /// <summary>Whether <c>spec.features</c> turns <paramref name="feature"/> on.</summary>
    public bool IsEnabled(string feature) => Features.TryGetValue(feature, out var on) && on;
}

/// <summary><c>spec.nameResolution</c>: which resolver to use and its free-form configuration.</summary>
public sealed record NameResolutionSpec(string Component, string Version, JsonObject Configuration);
