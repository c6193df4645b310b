using System.Collections.Concurrent;
using System.Reflection;
using Satcar.Runtime.Components;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.PubSub;
using Satcar.Runtime.Resources;

namespace Satcar.Runtime.Metadata;

/// <summary>
/// What the metadata API reports, for both heads: the app id, the runtime's version, the loaded
/// components and subscriptions, how the app is reached, and the attributes apps set with
/// <c>PUT /v1.0/metadata/{key}</c> (gRPC <c>SetMetadata</c>).
/// </summary>
public sealed class MetadataService
{
    private readonly ConcurrentDictionary<string, string> _extended = new(StringComparer.Ordinal);
    private readonly SatcarOptions _options;
    private readonly ComponentStore _components;
    private readonly AppChannel.AppChannel _channel;
    private readonly ResourceSet _resources;
    private readonly SubscriptionManager _subscriptions;

    public MetadataService(
        SatcarOptions options, ComponentStore components, AppChannel.AppChannel channel, ResourceSet resources, SubscriptionManager subscriptions)
    {
        _options = options;
        _components = components;
        _channel = channel;
        _resources = resources;
        _subscriptions = subscriptions;
        _extended["daprRuntimeVersion"] = RuntimeVersion;
    }

    /// <summary>This satcar's version, reported as <c>runtimeVersion</c>.</summary>
    public static string RuntimeVersion { get; } =
        typeof(MetadataService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public string AppId => _options.AppId;

    /// <summary>The preview features the Configuration turns on.</summary>
    public IReadOnlyList<string> EnabledFeatures =>
        _resources.Configuration?.Features.Where(f => f.Value).Select(f => f.Key).ToList() ?? [];

    /// <summary>The loaded components, sorted by name.</summary>
    public IEnumerable<LoadedComponent> Components => _components.All;

    /// <summary>The active subscriptions, declarative and programmatic.</summary>
    public IReadOnlyList<SubscriptionSpec> Subscriptions => _subscriptions.Current;

    /// <summary>The extended attributes, sorted by name.</summary>
    public IEnumerable<KeyValuePair<string, string>> Extended => _extended.OrderBy(e => e.Key, StringComparer.Ordinal);

    /// <summary>How the app is called, or null when this satcar has no app.</summary>
    public AppConnection? App => _channel.BaseUri is { } app
        ? new AppConnection(app.Port, _channel.Protocol, app.Host, _options.AppHealthCheck
            ? new AppHealthSettings(_options.AppHealthCheckPath, _options.AppHealthProbeInterval, _options.AppHealthProbeTimeout, _options.AppHealthThreshold)
            : null)
        : null;

    public void SetExtended(string key, string value) => _extended[key] = value;

    /// <summary>A probe interval as daprd prints it (<c>5s</c>).</summary>
    public static string FormatInterval(TimeSpan interval) => $"{interval.TotalSeconds}s";

    /// <summary>A probe timeout as daprd prints it (<c>500ms</c>).</summary>
    public static string FormatTimeout(TimeSpan timeout) => $"{timeout.TotalMilliseconds}ms";
}

/// <summary>daprd's <c>appConnectionProperties</c>.</summary>
public sealed record AppConnection(int Port, string Protocol, string ChannelAddress, AppHealthSettings? Health);

/// <summary>daprd's <c>appConnectionProperties.health</c>.</summary>
public sealed record AppHealthSettings(string Path, TimeSpan ProbeInterval, TimeSpan ProbeTimeout, int Threshold);
