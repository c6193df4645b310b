using System.Text.Json.Nodes;

namespace Satcar.Components.NameResolution.Consul;

/// <summary>
/// Turns the configuration's check and registration objects (any key casing) into the JSON the Consul
/// Go SDK sends for <c>AgentServiceCheck</c> and <c>AgentServiceRegistration</c>: PascalCase keys in
/// the SDK's field order, empty fields left out, and <c>Check</c>/<c>Checks</c> always present.
/// </summary>
internal static class ConsulWireJson
{
    private enum Kind
    {
        Text,
        TextList,
        Boolean,
        Integer,
        Duration,
        Status,
        Header,
        Port,
        TextMap,
        TaggedAddresses,
        Weights,
        Check,
        CheckList,
        Raw,
    }

    // api.AgentServiceCheck, in the SDK's field order. "args" is Dapr's name for ScriptArgs.
    private static readonly (string Wire, Kind Kind, string? Alias)[] s_checkFields =
    [
        ("CheckID", Kind.Text, null),
        ("Name", Kind.Text, null),
        ("ScriptArgs", Kind.TextList, "args"),
        ("DockerContainerID", Kind.Text, null),
        ("Shell", Kind.Text, null),
        ("Interval", Kind.Duration, null),
        ("Timeout", Kind.Duration, null),
        ("TTL", Kind.Duration, null),
        ("HTTP", Kind.Text, null),
        ("Header", Kind.Header, null),
        ("Method", Kind.Text, null),
        ("Body", Kind.Text, null),
        ("TCP", Kind.Text, null),
        ("TCPUseTLS", Kind.Boolean, null),
        ("UDP", Kind.Text, null),
        ("Status", Kind.Status, null),
        ("Notes", Kind.Text, null),
        ("TLSServerName", Kind.Text, null),
        ("TLSSkipVerify", Kind.Boolean, null),
        ("GRPC", Kind.Text, null),
        ("GRPCUseTLS", Kind.Boolean, null),
        ("H2PING", Kind.Text, null),
        ("H2PingUseTLS", Kind.Boolean, null),
        ("AliasNode", Kind.Text, null),
        ("AliasService", Kind.Text, null),
        ("SuccessBeforePassing", Kind.Integer, null),
        ("FailuresBeforeWarning", Kind.Integer, null),
        ("FailuresBeforeCritical", Kind.Integer, null),
        ("DeregisterCriticalServiceAfter", Kind.Duration, null),
        ("OSService", Kind.Text, null),
    ];

    // api.AgentServiceRegistration, in the SDK's field order.
    private static readonly (string Wire, Kind Kind, string? Alias)[] s_registrationFields =
    [
        ("Kind", Kind.Text, null),
        ("ID", Kind.Text, null),
        ("Name", Kind.Text, null),
        ("Tags", Kind.TextList, null),
        ("Port", Kind.Port, null),
        ("Address", Kind.Text, null),
        ("SocketPath", Kind.Text, null),
        ("TaggedAddresses", Kind.TaggedAddresses, null),
        ("EnableTagOverride", Kind.Boolean, null),
        ("Meta", Kind.TextMap, null),
        ("Weights", Kind.Weights, null),
        ("Check", Kind.Check, null),
        ("Checks", Kind.CheckList, null),
        ("Proxy", Kind.Raw, null),
        ("Connect", Kind.Raw, null),
    ];

    public static JsonObject Check(ConfigSection section) => Map(section, s_checkFields);

    public static JsonObject Registration(ConfigSection section)
    {
        var registration = Map(section, s_registrationFields);
        if (registration["Name"] is null)
        {
            section.Problem("name", "is required (Consul refuses a service without a name)");
        }

        EnsureKey(registration, "Check");
        EnsureKey(registration, "Checks");
        return registration;
    }

    private static void EnsureKey(JsonObject json, string key)
    {
        if (!json.ContainsKey(key))
        {
            json[key] = null;
        }
    }

    private static JsonObject Map(ConfigSection section, (string Wire, Kind Kind, string? Alias)[] fields)
    {
        var known = fields.SelectMany(f => f.Alias is null ? [f.Wire] : new[] { f.Wire, f.Alias }).ToList();
        section.WarnUnknownKeys(known, "it is not a Consul field and is ignored");
        var result = new JsonObject();
        foreach (var (wire, kind, alias) in fields)
        {
            if (!section.TryGet(wire, out var value, out var key) && alias is not null)
            {
                section.TryGet(alias, out value, out key);
            }

            if (value is null)
            {
                if (kind is Kind.Check or Kind.CheckList)
                {
                    result[wire] = null;
                }

                continue;
            }

            if (Convert(section, key, kind, value) is { } converted)
            {
                result[wire] = converted;
            }
        }

        return result;
    }

    private static JsonNode? Convert(ConfigSection section, string key, Kind kind, JsonNode value)
    {
        switch (kind)
        {
            case Kind.Text:
                return section.String(key) is { Length: > 0 } text ? JsonValue.Create(text) : null;
            case Kind.TextList:
                return section.StringList(key, allowCommaString: false) is { Count: > 0 } list ? new JsonArray([.. list.Select(t => (JsonNode?)JsonValue.Create(t))]) : null;
            case Kind.Boolean:
                return section.Boolean(key) == true ? JsonValue.Create(true) : null;
            case Kind.Integer:
                return section.Integer(key, 0, int.MaxValue) is { } number and not 0 ? JsonValue.Create((int)number) : null;
            case Kind.Duration:
                return section.Duration(key) is { } duration && duration > TimeSpan.Zero ? JsonValue.Create(ConsulDuration.Format(duration)) : null;
            case Kind.Status:
                var status = section.String(key);
                if (status is null or "")
                {
                    return null;
                }

                if (status is "passing" or "warning" or "critical")
                {
                    return JsonValue.Create(status);
                }

                section.Problem(key, $"must be passing, warning or critical, got '{status}'");
                return null;
            case Kind.Header:
                return Header(section, key, value);
            case Kind.Port:
                // ${APP_PORT} arrives as a YAML number, or as a string when quoted; empty means "no port".
                if (value is JsonValue v && ConfigSection.ScalarText(v) is { } portText && portText.Trim().Length == 0)
                {
                    return null;
                }

                return section.Integer(key, 0, 65535) is { } port and not 0 ? JsonValue.Create((int)port) : null;
            case Kind.TextMap:
                return section.StringMap(key) is { Count: > 0 } map ? ToJson(map) : null;
            case Kind.TaggedAddresses:
                return TaggedAddresses(section, key);
            case Kind.Weights:
                if (section.Section(key) is not { } weights)
                {
                    return null;
                }

                weights.WarnUnknownKeys(["passing", "warning"]);
                return new JsonObject
                {
                    ["Passing"] = (int)(weights.Integer("passing", 0, int.MaxValue) ?? 0),
                    ["Warning"] = (int)(weights.Integer("warning", 0, int.MaxValue) ?? 0),
                };
            case Kind.Check:
                return section.Section(key) is { } check ? Check(check) : null;
            case Kind.CheckList:
                if (value is not JsonArray checks)
                {
                    section.Problem(key, "must be a list of checks");
                    return null;
                }

                var result = new JsonArray();
                for (var i = 0; i < checks.Count; i++)
                {
                    if (checks[i] is JsonObject item)
                    {
                        result.Add((JsonNode)Check(new ConfigSection(item, section.FieldPath($"{key}[{i}]"), section.Problems, section.Warnings)));
                    }
                    else
                    {
                        section.Problem($"{key}[{i}]", "must be an object");
                    }
                }

                return result;
            case Kind.Raw:
                return value.DeepClone();
            default:
                return null;
        }
    }

    private static JsonObject? Header(ConfigSection section, string key, JsonNode value)
    {
        if (value is not JsonObject headers)
        {
            section.Problem(key, "must be a map of header names to lists of values");
            return null;
        }

        var result = new JsonObject();
        foreach (var (name, item) in headers)
        {
            switch (item)
            {
                case JsonArray values:
                    var list = new JsonArray();
                    foreach (var one in values)
                    {
                        if (one is not null && ConfigSection.ScalarText(one) is { } text)
                        {
                            list.Add((JsonNode)JsonValue.Create(text));
                        }
                        else
                        {
                            section.Problem($"{key}.{name}", "must be a list of strings");
                        }
                    }

                    result[name] = list;
                    break;
                case JsonValue single when ConfigSection.ScalarText(single) is { } text:
                    result[name] = new JsonArray(text);
                    break;
                default:
                    section.Problem($"{key}.{name}", "must be a list of strings");
                    break;
            }
        }

        return result.Count == 0 ? null : result;
    }

    private static JsonObject? TaggedAddresses(ConfigSection section, string key)
    {
        if (section.Section(key) is not { } tagged)
        {
            return null;
        }

        var result = new JsonObject();
        foreach (var name in tagged.Keys.ToList())
        {
            if (tagged.Section(name) is not { } address)
            {
                continue;
            }

            address.WarnUnknownKeys(["address", "port"]);
            var entry = new JsonObject();
            if (address.String("address") is { Length: > 0 } host)
            {
                entry["Address"] = host;
            }

            if (address.Integer("port", 0, 65535) is { } port and not 0)
            {
                entry["Port"] = (int)port;
            }

            result[name] = entry;
        }

        return result.Count == 0 ? null : result;
    }

    public static JsonObject ToJson(IEnumerable<KeyValuePair<string, string>> map)
    {
        var result = new JsonObject();
        foreach (var (name, text) in map)
        {
            result[name] = text;
        }

        return result;
    }
}
