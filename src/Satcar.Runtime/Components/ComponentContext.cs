using Microsoft.Extensions.Logging;

namespace Satcar.Runtime.Components;

/// <summary>What a component factory receives: who the satcar is and the shared services a component may use.</summary>
public sealed class ComponentContext
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    /// <summary>The satcar's app id (<c>--app-id</c>).</summary>
    public required string AppId { get; init; }

    /// <summary>The namespace from the <c>NAMESPACE</c> environment variable, or empty.</summary>
    public string Namespace { get; init; } = "";

    /// <summary>A logger named after the component type, scoped to this instance.</summary>
    public required ILogger Logger { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
