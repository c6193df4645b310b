using System.Collections.Concurrent;
using System.Reflection;

namespace Satcar.Runtime.Metadata;

/// <summary>The runtime's version and the attributes apps set with <c>PUT /v1.0/metadata/{key}</c>.</summary>
public sealed class MetadataService
{
    private readonly ConcurrentDictionary<string, string> _extended = new(StringComparer.Ordinal);

    public MetadataService() => _extended["daprRuntimeVersion"] = RuntimeVersion;

    /// <summary>This satcar's version, reported as <c>runtimeVersion</c>.</summary>
    public static string RuntimeVersion { get; } =
        typeof(MetadataService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>The extended attributes, sorted by name.</summary>
    public IEnumerable<KeyValuePair<string, string>> Extended => _extended.OrderBy(e => e.Key, StringComparer.Ordinal);

    public void SetExtended(string key, string value) => _extended[key] = value;
}
