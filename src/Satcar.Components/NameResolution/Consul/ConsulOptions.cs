using System.Text.Json.Nodes;
using Satcar.Runtime.NameResolution;

namespace Satcar.Components.NameResolution.Consul;

/// <summary>
/// <c>spec.nameResolution.configuration</c> for <c>nameresolution.consul</c>, with the same fields as
/// components-contrib's <c>hashicorp/consul</c> resolver (see docs/components/nameresolution.consul.md).
/// </summary>
internal sealed record ConsulOptions
{
    public const string DefaultDaprPortMetaKey = "DAPR_PORT";

    private static readonly string[] s_topLevelKeys =
    [
        "client", "queryOptions", "checks", "tags", "meta", "daprPortMetaKey", "selfRegister", "selfDeregister",
        "advancedRegistration", "useCache",
    ];

    public required ConsulClientOptions Client { get; init; }

    public required ConsulQueryOptions Query { get; init; }

    /// <summary>The <c>checks</c> of a generated registration, already in Consul's wire shape.</summary>
    public JsonArray Checks { get; init; } = [];

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyDictionary<string, string> Meta { get; init; } = new Dictionary<string, string>();

    public string DaprPortMetaKey { get; init; } = DefaultDaprPortMetaKey;

    public bool SelfRegister { get; init; }

    /// <summary>Null when not set: then this satcar deregisters whatever it registered.</summary>
    public bool? SelfDeregister { get; init; }

    /// <summary><c>advancedRegistration</c> in Consul's wire shape, or null.</summary>
    public JsonObject? AdvancedRegistration { get; init; }

    /// <summary>Dapr's own cache of healthy instances, kept fresh by blocking queries.</summary>
    public bool UseCache { get; init; }

    /// <summary>
    /// Reads the configuration. Throws <see cref="NameResolutionConfigurationException"/> listing every
    /// problem, each naming its field; fills <paramref name="warnings"/> with ignored keys.
    /// </summary>
    public static ConsulOptions Read(JsonObject configuration, Func<string, string?> environment, List<string> warnings)
    {
        var problems = new List<string>();
        var root = new ConfigSection(configuration, ConfigSection.RootPath, problems, warnings);
        root.WarnUnknownKeys(s_topLevelKeys);

        var client = ConsulClientOptions.Read(root.Section("client"), environment, problems, warnings);
        var query = root.Has("queryOptions")
            ? ConsulQueryOptions.Read(root.Section("queryOptions"))
            : ConsulQueryOptions.Default;

        var checks = new JsonArray();
        if (root.TryGet("checks", out var checksNode, out var checksKey) && checksNode is not null)
        {
            if (checksNode is JsonArray list)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is JsonObject check)
                    {
                        checks.Add((JsonNode)ConsulWireJson.Check(new ConfigSection(check, root.FieldPath($"{checksKey}[{i}]"), problems, warnings)));
                    }
                    else
                    {
                        root.Problem($"{checksKey}[{i}]", "must be an object");
                    }
                }
            }
            else
            {
                root.Problem(checksKey, "must be a list of checks");
            }
        }

        JsonObject? advanced = null;
        if (root.Section("advancedRegistration") is { } advancedSection)
        {
            advanced = ConsulWireJson.Registration(advancedSection);
        }

        var metaKey = root.String("daprPortMetaKey");
        var tags = root.StringList("tags", allowCommaString: true) ?? [];
        var meta = root.StringMap("meta") ?? [];
        var selfRegister = root.Boolean("selfRegister") ?? false;
        var selfDeregister = root.Boolean("selfDeregister");
        var useCache = root.Boolean("useCache") ?? false;
        if (problems.Count > 0 || client is null)
        {
            throw new NameResolutionConfigurationException(
                $"nameresolution.consul: invalid configuration: {string.Join("; ", problems)}");
        }

        if (advanced is not null && (selfRegister || root.Has("checks") || root.Has("tags") || root.Has("meta")))
        {
            warnings.Add($"{ConfigSection.RootPath}.advancedRegistration: it is used as-is, so selfRegister, checks, tags and meta are ignored, as in Dapr");
        }

        return new ConsulOptions
        {
            Client = client,
            Query = query,
            Checks = checks,
            Tags = tags,
            Meta = meta,
            DaprPortMetaKey = string.IsNullOrWhiteSpace(metaKey) ? DefaultDaprPortMetaKey : metaKey.Trim(),
            SelfRegister = selfRegister,
            SelfDeregister = selfDeregister,
            AdvancedRegistration = advanced,
            UseCache = useCache,
        };
    }
}

/// <summary>The <c>client</c> section (the Consul Go SDK's <c>api.Config</c>), back-filled from the SDK's environment defaults.</summary>
internal sealed record ConsulClientOptions
{
    public const string DefaultAddress = "127.0.0.1:8500";

    private static readonly string[] s_keys = ["address", "scheme", "datacenter", "httpAuth", "waitTime", "token", "tokenFile", "tlsConfig"];

    /// <summary>Scheme, host, port and path prefix, ending with a slash.</summary>
    public required Uri BaseUri { get; init; }

    public string? Datacenter { get; init; }

    /// <summary>Sent as <c>wait</c> on every request, as the Go SDK does.</summary>
    public TimeSpan? WaitTime { get; init; }

    public string? Token { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public ConsulTlsOptions Tls { get; init; } = new();

    public bool IsHttps => BaseUri.Scheme == Uri.UriSchemeHttps;

    public static ConsulClientOptions? Read(ConfigSection? section, Func<string, string?> environment, List<string> problems, List<string> warnings)
    {
        section?.WarnUnknownKeys(s_keys, "it is not a field of client and is ignored (namespace, partition and pathPrefix are not mapped, as in Dapr)");
        var before = problems.Count;

        // The Go SDK's DefaultConfig(): environment first, then NewClient fills every empty field from it.
        var address = Env(environment, "CONSUL_HTTP_ADDR") ?? DefaultAddress;
        var addressField = "CONSUL_HTTP_ADDR";
        var scheme = "http";
        if (EnvBool(environment, "CONSUL_HTTP_SSL", problems) == true)
        {
            scheme = "https";
        }

        var token = Env(environment, "CONSUL_HTTP_TOKEN");
        var tokenFile = Env(environment, "CONSUL_HTTP_TOKEN_FILE");
        var tokenFileField = "CONSUL_HTTP_TOKEN_FILE";
        string? username = null, password = null;
        if (Env(environment, "CONSUL_HTTP_AUTH") is { } auth)
        {
            var colon = auth.IndexOf(':', StringComparison.Ordinal);
            (username, password) = colon < 0 ? (auth, null) : (auth[..colon], auth[(colon + 1)..]);
        }

        var tls = new ConsulTlsOptions
        {
            ServerName = Env(environment, "CONSUL_TLS_SERVER_NAME"),
            CaFile = Env(environment, "CONSUL_CACERT"),
            CaPath = Env(environment, "CONSUL_CAPATH"),
            CertFile = Env(environment, "CONSUL_CLIENT_CERT"),
            KeyFile = Env(environment, "CONSUL_CLIENT_KEY"),
            InsecureSkipVerify = EnvBool(environment, "CONSUL_HTTP_SSL_VERIFY", problems) == false,
            CaFileField = "CONSUL_CACERT",
            CaPathField = "CONSUL_CAPATH",
            CertFileField = "CONSUL_CLIENT_CERT",
            KeyFileField = "CONSUL_CLIENT_KEY",
        };

        string? datacenter = null;
        TimeSpan? waitTime = null;
        if (section is not null)
        {
            if (section.String("address") is { Length: > 0 } configuredAddress)
            {
                address = configuredAddress.Trim();
                addressField = section.FieldPath("address");
            }

            if (section.String("scheme") is { Length: > 0 } configuredScheme)
            {
                scheme = configuredScheme.Trim().ToLowerInvariant();
                if (scheme is not ("http" or "https"))
                {
                    section.Problem("scheme", $"must be http or https, got '{configuredScheme}'");
                }
            }

            datacenter = NullIfEmpty(section.String("datacenter"));
            waitTime = section.Duration("waitTime");
            token = NullIfEmpty(section.String("token")) ?? token;
            if (NullIfEmpty(section.String("tokenFile")) is { } configuredTokenFile)
            {
                tokenFile = configuredTokenFile;
                tokenFileField = section.FieldPath("tokenFile");
            }

            if (section.Section("httpAuth") is { } httpAuth)
            {
                httpAuth.WarnUnknownKeys(["username", "password"]);
                username = NullIfEmpty(httpAuth.String("username")) ?? username;
                password = NullIfEmpty(httpAuth.String("password")) ?? password;
            }

            if (section.Section("tlsConfig") is { } tlsSection)
            {
                tls = ConsulTlsOptions.Overlay(tls, tlsSection);
            }
        }

        // The Go SDK takes a scheme from the address; "http://" never downgrades an explicit https.
        var schemeSeparator = address.IndexOf("://", StringComparison.Ordinal);
        if (schemeSeparator >= 0)
        {
            var addressScheme = address[..schemeSeparator].ToLowerInvariant();
            address = address[(schemeSeparator + 3)..];
            switch (addressScheme)
            {
                case "http":
                    break;
                case "https":
                    scheme = "https";
                    break;
                case "unix":
                    problems.Add($"{addressField}: unix sockets are not supported by satcar; use host:port or http(s)://host:port");
                    break;
                default:
                    problems.Add($"{addressField}: unknown protocol scheme '{addressScheme}'; use http:// or https://");
                    break;
            }
        }

        var pathPrefix = "";
        var slash = address.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            pathPrefix = address[slash..].TrimEnd('/');
            address = address[..slash];
        }

        Uri? baseUri = null;
        if (address.Length == 0)
        {
            problems.Add($"{addressField}: must be host:port, optionally with http:// or https:// and a path prefix");
        }
        else if (!Uri.TryCreate($"{scheme}://{address}{pathPrefix}/", UriKind.Absolute, out baseUri)
                 || baseUri.UserInfo.Length > 0 || baseUri.Query.Length > 0 || baseUri.Fragment.Length > 0
                 || baseUri.Scheme is not ("http" or "https"))
        {
            problems.Add($"{addressField}: '{address}' is not a valid host:port");
            baseUri = null;
        }

        // As in the Go SDK, a token file wins over a token when it has content.
        if (tokenFile is not null)
        {
            try
            {
                var fromFile = File.ReadAllText(tokenFile).Trim();
                if (fromFile.Length > 0)
                {
                    token = fromFile;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                problems.Add($"{tokenFileField}: cannot read the token file '{tokenFile}': {e.Message}");
            }
        }

        if (scheme == "https" || baseUri?.Scheme == Uri.UriSchemeHttps)
        {
            tls.Validate(problems);
            if (tls.InsecureSkipVerify)
            {
                warnings.Add($"{ConfigSection.RootPath}.client.tlsConfig.insecureSkipVerify: the Consul server's certificate is not verified");
            }
        }

        if (problems.Count > before || baseUri is null)
        {
            return null;
        }

        return new ConsulClientOptions
        {
            BaseUri = baseUri,
            Datacenter = datacenter,
            WaitTime = waitTime,
            Token = NullIfEmpty(token),
            Username = username,
            Password = password,
            Tls = tls,
        };
    }

    private static string? Env(Func<string, string?> environment, string name) => NullIfEmpty(environment(name)?.Trim());

    private static bool? EnvBool(Func<string, string?> environment, string name, List<string> problems)
    {
        if (Env(environment, name) is not { } text)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        if (text is "1" or "0")
        {
            return text == "1";
        }

        problems.Add($"{name}: must be true or false, got '{text}'");
        return null;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}

/// <summary><c>client.tlsConfig</c>: how this satcar trusts Consul and authenticates to it.</summary>
internal sealed record ConsulTlsOptions
{
    /// <summary>The server name checked in Consul's certificate (and sent as SNI), from <c>tlsConfig.address</c>.</summary>
    public string? ServerName { get; init; }

    public string? CaFile { get; init; }

    public string? CaPath { get; init; }

    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    public bool InsecureSkipVerify { get; init; }

    public string CaFileField { get; init; } = "";

    public string CaPathField { get; init; } = "";

    public string CertFileField { get; init; } = "";

    public string KeyFileField { get; init; } = "";

    public static ConsulTlsOptions Overlay(ConsulTlsOptions defaults, ConfigSection section)
    {
        section.WarnUnknownKeys(["address", "caFile", "caPath", "certFile", "keyFile", "insecureSkipVerify"],
            "it is not a field of tlsConfig and is ignored (PEM contents are not mapped, as in Dapr)");
        var serverName = section.String("address") is { Length: > 0 } address ? HostOf(address) : defaults.ServerName;
        return defaults with
        {
            ServerName = serverName,
            CaFile = Pick(section, "caFile", defaults.CaFile, out var caFileField),
            CaFileField = caFileField ?? defaults.CaFileField,
            CaPath = Pick(section, "caPath", defaults.CaPath, out var caPathField),
            CaPathField = caPathField ?? defaults.CaPathField,
            CertFile = Pick(section, "certFile", defaults.CertFile, out var certFileField),
            CertFileField = certFileField ?? defaults.CertFileField,
            KeyFile = Pick(section, "keyFile", defaults.KeyFile, out var keyFileField),
            KeyFileField = keyFileField ?? defaults.KeyFileField,
            // As in the Go SDK: an explicit false does not undo CONSUL_HTTP_SSL_VERIFY=false.
            InsecureSkipVerify = section.Boolean("insecureSkipVerify") == true || defaults.InsecureSkipVerify,
        };
    }

    public void Validate(List<string> problems)
    {
        if (CaFile is not null && !File.Exists(CaFile))
        {
            problems.Add($"{CaFileField}: file '{CaFile}' does not exist");
        }

        if (CaPath is not null && !Directory.Exists(CaPath) && !File.Exists(CaPath))
        {
            problems.Add($"{CaPathField}: '{CaPath}' does not exist");
        }

        if ((CertFile is null) != (KeyFile is null))
        {
            problems.Add(CertFile is null
                ? $"{KeyFileField}: a client key needs certFile as well"
                : $"{CertFileField}: a client certificate needs keyFile as well");
        }

        if (CertFile is not null && !File.Exists(CertFile))
        {
            problems.Add($"{CertFileField}: file '{CertFile}' does not exist");
        }

        if (KeyFile is not null && !File.Exists(KeyFile))
        {
            problems.Add($"{KeyFileField}: file '{KeyFile}' does not exist");
        }
    }

    private static string? Pick(ConfigSection section, string key, string? fallback, out string? field)
    {
        if (section.String(key) is { Length: > 0 } value)
        {
            field = section.FieldPath(key);
            return value;
        }

        field = null;
        return fallback;
    }

    // The Go SDK strips a port from tlsConfig.address before using it as the server name.
    private static string HostOf(string address)
    {
        address = address.Trim();
        if (address.StartsWith('['))
        {
            var end = address.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? address[1..end] : address;
        }

        var colon = address.LastIndexOf(':');
        return colon > 0 && address.IndexOf(':', StringComparison.Ordinal) == colon ? address[..colon] : address;
    }
}

/// <summary><c>queryOptions</c> (the Go SDK's <c>api.QueryOptions</c>), applied to every resolve query.</summary>
internal sealed record ConsulQueryOptions
{
    private static readonly string[] s_keys =
    [
        "datacenter", "allowStale", "requireConsistent", "useCache", "maxAge", "staleIfError", "waitIndex", "waitHash",
        "waitTime", "token", "near", "nodeMeta", "relayFactor", "localOnly", "connect", "filter", "namespace", "partition",
    ];

    /// <summary>What Dapr uses when <c>queryOptions</c> is absent: the Consul agent's cache.</summary>
    public static readonly ConsulQueryOptions Default = new() { UseCache = true };

    public string? Datacenter { get; init; }

    public bool AllowStale { get; init; }

    public bool RequireConsistent { get; init; }

    /// <summary>Consul agent caching (<c>?cached</c>); not Dapr's own cache.</summary>
    public bool UseCache { get; init; }

    public TimeSpan? MaxAge { get; init; }

    public TimeSpan? StaleIfError { get; init; }

    public TimeSpan? WaitTime { get; init; }

    public string? Token { get; init; }

    public string? Near { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> NodeMeta { get; init; } = [];

    public int RelayFactor { get; init; }

    public bool LocalOnly { get; init; }

    public bool Connect { get; init; }

    public string? Filter { get; init; }

    public static ConsulQueryOptions Read(ConfigSection? section)
    {
        if (section is null)
        {
            return new ConsulQueryOptions();
        }

        section.WarnUnknownKeys(s_keys);
        foreach (var ignored in new[] { "namespace", "partition" })
        {
            if (section.Has(ignored))
            {
                section.Warnings.Add($"{section.FieldPath(ignored)}: Consul Enterprise {ignored}s are ignored, as in Dapr");
            }
        }

        foreach (var ignored in new[] { "waitIndex", "waitHash" })
        {
            if (section.Has(ignored))
            {
                section.Warnings.Add($"{section.FieldPath(ignored)}: resolve queries never block, so it is ignored, as in Dapr");
            }
        }

        _ = section.Integer("waitIndex", 0, long.MaxValue);
        _ = section.String("waitHash");
        return new ConsulQueryOptions
        {
            Datacenter = Empty(section.String("datacenter")),
            AllowStale = section.Boolean("allowStale") ?? false,
            RequireConsistent = section.Boolean("requireConsistent") ?? false,
            UseCache = section.Boolean("useCache") ?? false,
            MaxAge = section.Duration("maxAge"),
            StaleIfError = section.Duration("staleIfError"),
            WaitTime = section.Duration("waitTime"),
            Token = Empty(section.String("token")),
            Near = Empty(section.String("near")),
            NodeMeta = section.StringMap("nodeMeta")?.OrderBy(p => p.Key, StringComparer.Ordinal).ToList() ?? [],
            RelayFactor = (int)(section.Integer("relayFactor", 0, 5) ?? 0),
            LocalOnly = section.Boolean("localOnly") ?? false,
            Connect = section.Boolean("connect") ?? false,
            Filter = Empty(section.String("filter")),
        };
    }

    /// <summary>
    /// The query parameters the Go SDK writes for these options (<c>setQueryOptions</c>); blocking
    /// parameters are the caller's, and <paramref name="agentCache"/> false leaves out <c>cached</c>.
    /// </summary>
    public void AddTo(List<KeyValuePair<string, string>> query, bool agentCache)
    {
        if (Datacenter is not null)
        {
            query.Add(new("dc", Datacenter));
        }

        if (AllowStale)
        {
            query.Add(new("stale", ""));
        }

        if (RequireConsistent)
        {
            query.Add(new("consistent", ""));
        }

        if (WaitTime is { } wait && wait > TimeSpan.Zero)
        {
            query.Add(new("wait", ConsulDuration.ToMilliseconds(wait)));
        }

        if (Near is not null)
        {
            query.Add(new("near", Near));
        }

        if (Filter is not null)
        {
            query.Add(new("filter", Filter));
        }

        foreach (var (key, value) in NodeMeta)
        {
            query.Add(new("node-meta", $"{key}:{value}"));
        }

        if (RelayFactor != 0)
        {
            query.Add(new("relay-factor", RelayFactor.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (LocalOnly)
        {
            query.Add(new("local-only", "true"));
        }

        if (Connect)
        {
            query.Add(new("connect", "true"));
        }

        if (agentCache && UseCache && !RequireConsistent)
        {
            query.Add(new("cached", ""));
        }
    }

    /// <summary>The <c>Cache-Control</c> header that goes with <c>cached</c>, or null.</summary>
    public string? CacheControl(bool agentCache)
    {
        if (!agentCache || !UseCache || RequireConsistent)
        {
            return null;
        }

        var parts = new List<string>(2);
        if (MaxAge is { } maxAge && maxAge > TimeSpan.Zero)
        {
            parts.Add($"max-age={Math.Round(maxAge.TotalSeconds):0}");
        }

        if (StaleIfError is { } stale && stale > TimeSpan.Zero)
        {
            parts.Add($"stale-if-error={Math.Round(stale.TotalSeconds):0}");
        }

        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    private static string? Empty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
