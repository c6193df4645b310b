using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Satcar.Runtime.Components;

namespace Satcar.Runtime.NameResolution;

/// <summary>
/// Reads a resolver's <c>spec.nameResolution.configuration</c>: keys matched case-insensitively (as
/// Go's JSON decoder matches them in Dapr), scalars accepted as JSON or as text, and every error naming
/// the full field path.
/// </summary>
public sealed class ResolverSettings(JsonObject configuration, string path = "spec.nameResolution.configuration")
{
    public JsonObject Configuration { get; } = configuration;

    /// <summary>The value under <paramref name="key"/>, whatever its case; null when absent or null.</summary>
    public JsonNode? Get(string key)
    {
        foreach (var (name, value) in Configuration)
        {
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>A nested section, read with the same rules.</summary>
    public ResolverSettings? Section(string key) => Get(key) switch
    {
        null => null,
        JsonObject section => new ResolverSettings(section, $"{path}.{key}"),
        _ => throw Invalid(key, "must be a mapping"),
    };

    public string? GetString(string key) => Get(key) switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonValue value when value.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
        _ => throw Invalid(key, "must be a plain value"),
    };

    public bool? GetBoolean(string key)
    {
        var node = Get(key);
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetValue<bool>();
        }

        return GetString(key)?.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" => true,
            "false" or "0" or "no" or "off" => false,
            var other => throw Invalid(key, $"must be true or false, got '{other}'"),
        };
    }

    public int? GetInt32(string key)
    {
        var text = GetString(key);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Invalid(key, $"must be an integer, got '{text}'");
    }

    /// <summary>
    /// A duration given as a Go duration string (<c>5s</c>, <c>800ms</c>) or a number. Dapr's Consul
    /// resolver reads numbers as nanoseconds; <paramref name="numbersAreNanoseconds"/> says which reading applies.
    /// </summary>
    public TimeSpan? GetDuration(string key, bool numbersAreNanoseconds = false)
    {
        var node = Get(key);
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue number && number.GetValueKind() == JsonValueKind.Number)
        {
            var amount = number.GetValue<double>();
            if (amount < 0)
            {
                throw Invalid(key, "may not be negative");
            }

            return numbersAreNanoseconds ? TimeSpan.FromTicks((long)(amount / 100)) : TimeSpan.FromSeconds(amount);
        }

        var text = GetString(key)!;
        return GoDuration.TryParse(text, out var duration)
            ? duration
            : throw Invalid(key, $"must be a duration such as '5s' or '800ms', got '{text}'");
    }

    public NameResolutionConfigurationException Invalid(string key, string problem) => new($"{path}.{key}: {problem}");
}
