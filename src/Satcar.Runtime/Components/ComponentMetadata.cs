using System.Globalization;

namespace Satcar.Runtime.Components;

/// <summary>
/// A component's <c>spec.metadata</c> after <c>secretKeyRef</c> and <c>envRef</c> are resolved.
/// Names are matched case-insensitively, as components-contrib's decoder does.
/// </summary>
public sealed class ComponentMetadata
{
    private readonly Dictionary<string, string> _properties;

    public ComponentMetadata(string name, string type, string version, IEnumerable<KeyValuePair<string, string>> properties)
    {
        Name = name;
        Type = type;
        Version = version;
        _properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in properties)
        {
            _properties[key] = value;
        }
    }

    /// <summary>The component's name (<c>metadata.name</c>).</summary>
    public string Name { get; }

    /// <summary>The component's type, such as <c>state.redis</c>.</summary>
    public string Type { get; }

    /// <summary>The component's version, such as <c>v1</c>.</summary>
    public string Version { get; }

    /// <summary>All properties, keyed case-insensitively.</summary>
    public IReadOnlyDictionary<string, string> Properties => _properties;

    /// <summary>The value of <paramref name="key"/>, or <paramref name="fallback"/> when it is absent or empty.</summary>
    public string? GetString(string key, string? fallback = null) =>
        _properties.TryGetValue(key, out var value) && value.Length > 0 ? value : fallback;

    /// <summary>The value of <paramref name="key"/>; fails with a message naming the key when it is absent or empty.</summary>
    public string GetRequiredString(string key) =>
        GetString(key) ?? throw Invalid(key, "is required");

    public int GetInt32(string key, int fallback)
    {
        var text = GetString(key);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Invalid(key, $"must be an integer, got '{text}'");
    }

    public bool GetBoolean(string key, bool fallback)
    {
        var text = GetString(key);
        if (text is null)
        {
            return fallback;
        }

        // components-contrib's IsTruthy: "1", "true", "t", "y", "yes", "on" (any case) are true.
        return text.ToLowerInvariant() switch
        {
            "1" or "true" or "t" or "y" or "yes" or "on" => true,
            "0" or "false" or "f" or "n" or "no" or "off" => false,
            _ => throw Invalid(key, $"must be a boolean, got '{text}'"),
        };
    }

    /// <summary>A duration written as Go does (<c>5s</c>, <c>1m30s</c>, <c>250ms</c>) or as whole seconds.</summary>
    public TimeSpan GetDuration(string key, TimeSpan fallback)
    {
        var text = GetString(key);
        if (text is null)
        {
            return fallback;
        }

        return GoDuration.TryParse(text, out var value)
            ? value
            : throw Invalid(key, $"must be a duration such as '5s' or '250ms', got '{text}'");
    }

    /// <summary>An error that names this component and the metadata key.</summary>
    public ComponentConfigurationException Invalid(string key, string problem) =>
        new($"component {Name} ({Type}/{Version}): metadata '{key}' {problem}");
}
