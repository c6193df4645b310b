using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Satcar.Runtime.Components;

namespace Satcar.Components.NameResolution;

/// <summary>
/// One object of <c>spec.nameResolution.configuration</c>, read the way Dapr's Go decoder reads it:
/// keys match case-insensitively (an exact match wins), unknown keys are reported, and every problem
/// is collected with the full field path instead of stopping at the first one.
/// </summary>
internal sealed class ConfigSection
{
    public const string RootPath = "nameResolution.configuration";

    private readonly JsonObject _object;

    public ConfigSection(JsonObject @object, string path, List<string> problems, List<string> warnings)
    {
        _object = @object;
        Path = path;
        Problems = problems;
        Warnings = warnings;
    }

    public string Path { get; }

    public List<string> Problems { get; }

    public List<string> Warnings { get; }

    public IEnumerable<string> Keys => _object.Select(p => p.Key);

    public string FieldPath(string key) => $"{Path}.{key}";

    public void Problem(string key, string message) => Problems.Add($"{FieldPath(key)}: {message}");

    /// <summary>The value under <paramref name="key"/>, with the key as written by the user.</summary>
    public bool TryGet(string key, out JsonNode? value, out string writtenKey)
    {
        if (_object.TryGetPropertyValue(key, out value))
        {
            writtenKey = key;
            return true;
        }

        foreach (var (name, node) in _object)
        {
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
            {
                value = node;
                writtenKey = name;
                return true;
            }
        }

        value = null;
        writtenKey = key;
        return false;
    }

    /// <summary>True when the key is present with a non-null value.</summary>
    public bool Has(string key) => TryGet(key, out var value, out _) && value is not null;

    /// <summary>Reports every key that is not one of <paramref name="known"/> as ignored.</summary>
    public void WarnUnknownKeys(IEnumerable<string> known, string why = "it is not a known field and is ignored")
    {
        var names = known.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var key in Keys)
        {
            if (!names.Contains(key))
            {
                Warnings.Add($"{FieldPath(key)}: {why}");
            }
        }
    }

    public ConfigSection? Section(string key)
    {
        if (!TryGet(key, out var value, out var written) || value is null)
        {
            return null;
        }

        if (value is JsonObject child)
        {
            return new ConfigSection(child, FieldPath(written), Problems, Warnings);
        }

        Problem(written, "must be an object");
        return null;
    }

    /// <summary>A text value; numbers and booleans are taken as their text, as YAML writes them unquoted.</summary>
    public string? String(string key)
    {
        if (!TryGet(key, out var value, out var written) || value is null)
        {
            return null;
        }

        if (ScalarText(value) is { } text)
        {
            return text;
        }

        Problem(written, "must be a string");
        return null;
    }

    public bool? Boolean(string key)
    {
        if (!TryGet(key, out var value, out var written) || value is null)
        {
            return null;
        }

        if (value is JsonValue v)
        {
            if (v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            {
                return v.GetValue<bool>();
            }

            if (v.GetValueKind() == JsonValueKind.String && bool.TryParse(v.GetValue<string>().Trim(), out var parsed))
            {
                return parsed;
            }
        }

        Problem(written, $"must be true or false, got {Describe(value)}");
        return null;
    }

    public long? Integer(string key, long min, long max)
    {
        if (!TryGet(key, out var value, out var written) || value is null)
        {
            return null;
        }

        if (TryInteger(value, out var number) && number >= min && number <= max)
        {
            return number;
        }

        Problem(written, $"must be a whole number from {min} to {max}, got {Describe(value)}");
        return null;
    }

    /// <summary>
    /// A duration: a Go duration string (<c>10s</c>, <c>800ms</c>) or a whole number in
    /// <paramref name="numberUnit"/>. Dapr's Consul resolver decodes numbers as Go <c>time.Duration</c>,
    /// which is nanoseconds; that is the default.
    /// </summary>
    public TimeSpan? Duration(string key, TimeSpan? numberUnit = null)
    {
        if (!TryGet(key, out var value, out var written) || value is null)
        {
            return null;
        }

        var unitName = numberUnit is null ? "nanoseconds such as 10000000000" : $"{(numberUnit == TimeSpan.FromSeconds(1) ? "seconds" : "units")} such as 10";
        if (value is JsonValue v)
        {
            var text = v.GetValueKind() switch
            {
                JsonValueKind.Number => v.ToJsonString(),
                JsonValueKind.String => v.GetValue<string>().Trim(),
                _ => null,
            };
            if (text is { Length: > 0 } && text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
            {
                // A tick is 100 ns, so nanoseconds are converted by division rather than through a TimeSpan unit.
                return numberUnit is { } unit ? unit * amount : TimeSpan.FromTicks(amount / 100);
            }

            if (v.GetValueKind() == JsonValueKind.String && text is { Length: > 0 } && GoDuration.TryParse(text, out var parsed))
            {
                return parsed;
            }
        }

        Problem(written, $"must be a duration such as \"10s\" or whole {unitName}, got {Describe(value)}");
        return null;
    }

    /// <summary>A list of strings; a comma-separated string is accepted too, as Dapr's metadata.yaml shows it.</summary>
    public List<string>? StringList(string key, bool allowCommaString)
    {
        if (!TryGet(key, out var value, out var written) || value is null)
        {
            return null;
        }

        if (value is JsonArray array)
        {
            var list = new List<string>(array.Count);
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is { } item && ScalarText(item) is { } text)
                {
                    list.Add(text);
                }
                else
                {
                    Problem($"{written}[{i}]", "must be a string");
                }
            }

            return list;
        }

        if (allowCommaString && value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return [.. v.GetValue<string>().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }

        Problem(written, "must be a list of strings");
        return null;
    }

    /// <summary>A string-to-string map; scalar values are taken as their text.</summary>
    public Dictionary<string, string>? StringMap(string key)
    {
        if (!TryGet(key, out var value, out var written) || value is null)
        {
            return null;
        }

        if (value is not JsonObject map)
        {
            Problem(written, "must be a map of strings");
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, item) in map)
        {
            if (item is not null && ScalarText(item) is { } text)
            {
                result[name] = text;
            }
            else if (item is null)
            {
                result[name] = "";
            }
            else
            {
                Problem($"{written}.{name}", "must be a string");
            }
        }

        return result;
    }

    public static string? ScalarText(JsonNode node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        return value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => NumberText(value),
            _ => null,
        };
    }

    public static bool TryInteger(JsonNode node, out long number)
    {
        number = 0;
        if (node is not JsonValue value)
        {
            return false;
        }

        return value.GetValueKind() switch
        {
            JsonValueKind.Number => value.TryGetValue(out number) || (value.TryGetValue<double>(out var real) && real == Math.Floor(real) && Math.Abs(real) < 9e15 && Assign((long)real, out number)),
            JsonValueKind.String => long.TryParse(value.GetValue<string>().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number),
            _ => false,
        };
    }

    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "a list",
        _ => node.ToJsonString(),
    };

    private static string NumberText(JsonValue value) =>
        value.TryGetValue<long>(out var integer) ? integer.ToString(CultureInfo.InvariantCulture) : value.ToJsonString();

    private static bool Assign(long value, out long target)
    {
        target = value;
        return true;
    }
}
