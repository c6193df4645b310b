using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Satcar.Runtime.NameResolution;

/// <summary>
/// Finds the satcars that serve an app id, and makes this satcar findable (components-contrib's
/// <c>nameresolution.Resolver</c>). Chosen by the Configuration's <c>spec.nameResolution</c>. What a
/// resolver registers is the satcar's own peer address (<see cref="NameResolutionContext.HostAddress"/>
/// and <see cref="NameResolutionContext.PeerPort"/>), never the app's.
/// </summary>
public interface INameResolver : IAsyncDisposable
{
    /// <summary>
    /// Reads <see cref="NameResolutionContext.Configuration"/> and starts the resolver. A configuration
    /// error throws <see cref="NameResolutionConfigurationException"/> naming the field. An unreachable
    /// backend must not fail the start: registration is retried in the background.
    /// </summary>
    Task InitAsync(NameResolutionContext context, CancellationToken cancellationToken);

    /// <summary>
    /// The healthy instances of <paramref name="appId"/>, in no particular order; empty when there are none.
    /// Throws <see cref="NameResolutionException"/> when the backend cannot be asked.
    /// </summary>
    Task<IReadOnlyList<PeerEndpoint>> ResolveAsync(string appId, string @namespace, CancellationToken cancellationToken);
}

/// <summary>
/// A resolver that publishes the app's health next to the satcar's own (the seed names the missing
/// second check; with Consul it is a TTL check beside the satcar's).
/// </summary>
public interface IAppHealthPublisher
{
    /// <summary>Reports the app's current health; called on every probe result that changes it, and periodically.</summary>
    Task PublishAppHealthAsync(bool healthy, string output, CancellationToken cancellationToken);
}

/// <summary>What a resolver is told about the satcar it runs in, and its configuration.</summary>
public sealed class NameResolutionContext
{
    public required string AppId { get; init; }

    /// <summary>The namespace (<c>NAMESPACE</c>), or empty.</summary>
    public string Namespace { get; init; } = "";

    /// <summary>The address other satcars reach this one on: <c>--host-address</c>, <c>DAPR_HOST_IP</c> or detected.</summary>
    public required string HostAddress { get; init; }

    /// <summary>The peer port (<c>--dapr-internal-grpc-port</c>), the one callers connect to.</summary>
    public required int PeerPort { get; init; }

    /// <summary>The Dapr HTTP API port; health checks of a registration point at it.</summary>
    public required int DaprHttpPort { get; init; }

    /// <summary>The app's port, or null without an app.</summary>
    public int? AppPort { get; init; }

    /// <summary>True when this satcar probes its app (<c>--enable-app-health-check</c>).</summary>
    public bool AppHealthCheckEnabled { get; init; }

    /// <summary>How often the app is probed; a published app-health check must outlive a few of these.</summary>
    public TimeSpan AppHealthProbeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>spec.nameResolution.configuration</c>, after placeholder expansion; empty when absent.</summary>
    public JsonObject Configuration { get; init; } = [];

    /// <summary>The folder satcar keeps host-local files in (<c>SATCAR_HOME</c>, default <c>~/.satcar</c>).</summary>
    public required string HomeDirectory { get; init; }

    public required ILogger Logger { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>One satcar instance: where its peer port is.</summary>
public sealed record PeerEndpoint(string Host, int Port)
{
    /// <summary><c>host:port</c>, with brackets around an IPv6 address.</summary>
    public string Authority =>
        IPAddress.TryParse(Host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public override string ToString() => Authority;
}

/// <summary>The resolver's configuration is wrong; the message names the field.</summary>
public sealed class NameResolutionConfigurationException(string message) : Exception(message);

/// <summary>The resolver could not answer (its backend is down or failing).</summary>
public sealed class NameResolutionException(string message, Exception? inner = null) : Exception(message, inner);
