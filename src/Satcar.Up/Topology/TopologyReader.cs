using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Satcar.Runtime.Components;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Satcar.Up.Topology;

/// <summary>
/// Reads a topology file (<c>satcar.yaml</c>): Dapr's multi-app run file (<c>dapr.yaml</c>) where it
/// fits (https://docs.dapr.io/developing-applications/local-development/multi-app-dapr-run/multi-app-template/),
/// with a <c>satcar</c> and a <c>link</c> section per app and an optional <c>redis</c> section.
/// Every problem is reported, each with its line and field, before anything starts.
/// </summary>
internal static partial class TopologyReader
{
    /// <summary>The file name looked for when satcar up is given a folder.</summary>
    public const string DefaultFileName = "satcar.yaml";

    private static readonly string[] LogLevels = ["debug", "info", "warn", "error", "fatal"];

    private static readonly string[] SharedKeys =
    [
        "resourcesPath", "resourcesPaths", "configFilePath", "appProtocol", "appAddress", "logLevel", "enableApiLogging",
        "apiToken", "enableAppHealthCheck", "appHealthCheckPath", "appHealthProbeInterval", "appHealthProbeTimeout",
        "appHealthThreshold", "startTimeout", "env", "satcar", "link",
    ];

    private static readonly string[] AppKeys = [.. SharedKeys, "appID", "appDirPath", "appPort", "command", "build"];

    // dapr.yaml keys satcar up does not take, and where their meaning lives instead.
    private static readonly Dictionary<string, string> DaprHints = new(StringComparer.OrdinalIgnoreCase)
    {
        ["daprHTTPPort"] = "use satcar.httpPort",
        ["daprGRPCPort"] = "use satcar.grpcPort",
        ["daprInternalGRPCPort"] = "use satcar.peerPort",
        ["apiListenAddresses"] = "use satcar.address",
        ["appChannelAddress"] = "use appAddress",
        ["daprPath"] = "satcar up runs the satcar it is part of",
        ["runtimePath"] = "satcar up runs the satcar it is part of",
    };

    private static readonly HashSet<string> DaprOnlyKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "appMaxConcurrency", "metricsPort", "profilePort", "enableProfiling", "placementHostAddress", "schedulerHostAddress",
        "daprHTTPMaxRequestSize", "daprHTTPReadBufferSize", "unixDomainSocket", "appSSL", "appLogDestination",
        "daprdLogDestination", "enableMetrics", "appChannelAddress", "daprMaxBodySize", "daprReadBufferSize",
    };

    /// <summary>The topology file for a command-line argument: the file itself, or <c>satcar.yaml</c> in a folder.</summary>
    public static string ResolveFile(string argument) =>
        Directory.Exists(argument) ? Path.Combine(argument, DefaultFileName) : argument;

    /// <summary>Reads and validates <paramref name="path"/>, expanding variables from <paramref name="environment"/>.</summary>
    public static (TopologyDefinition? Topology, IReadOnlyList<TopologyProblem> Problems) Read(string path, Func<string, string?> environment)
    {
        var context = new Context(DisplayName(path), environment);
        if (!File.Exists(path))
        {
            context.Problem(null, "file", Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path)) ?? "")
                ? "does not exist"
                : "does not exist (nor does its folder)");
            return (null, context.Problems);
        }

        var full = Path.GetFullPath(path);
        var baseDirectory = Path.GetDirectoryName(full)!;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(File.ReadAllText(full)));
        }
        catch (YamlException e)
        {
            context.Problem((int)e.Start.Line, "file", $"invalid YAML: {(e.InnerException as YamlException ?? e).Message}");
            return (null, context.Problems);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            context.Problem(null, "file", "must hold one YAML mapping with 'version' and 'apps'");
            return (null, context.Problems);
        }

        var top = new Fields(context, root, "", ["version", "home", "common", "redis", "apps"], baseDirectory);
        if (top.Scalar("version") is { } version && version.Text != "1")
        {
            context.Problem(version.Line, "version", $"must be 1; got '{version.Text}'");
        }

        var home = top.Path("home", mustExist: false);
        var common = top.Section("common", SharedKeys);
        var defaults = ReadShared(common, inherited: null);
        common?.ReportUnknownKeys();
        var redis = ReadRedis(top.Section("redis", ["address", "port", "command", "args", "startTimeout"]));

        var apps = new List<AppDefinition>();
        var appNodes = top.Sequence("apps");
        if (appNodes is null || appNodes.Count == 0)
        {
            context.Problem(appNodes?.Line ?? (int)root.Start.Line, "apps", "must list at least one app");
        }
        else
        {
            for (var i = 0; i < appNodes.Count; i++)
            {
                if (top.SequenceItem(appNodes, i, AppKeys) is { } section && ReadApp(section, defaults, baseDirectory) is { } app)
                {
                    apps.Add(app);
                }
            }
        }

        top.ReportUnknownKeys();
        CheckUnique(context);
        if (context.Problems.Count > 0)
        {
            return (null, [.. context.Problems.OrderBy(p => p.Line ?? int.MaxValue)]);
        }

        return (new TopologyDefinition
        {
            FilePath = full,
            BaseDirectory = baseDirectory,
            Home = home,
            Redis = redis,
            Apps = apps,
        }, []);
    }

    private static string DisplayName(string path)
    {
        var full = Path.GetFullPath(path);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative.StartsWith("..", StringComparison.Ordinal) ? full : relative;
    }

    /// <summary>The keys <c>common</c> and an app share; the app's own values win, <c>env</c> maps merge.</summary>
    private sealed record Shared
    {
        public IReadOnlyList<string>? ResourcesPaths { get; init; }
        public string? ConfigFile { get; init; }
        public string AppProtocol { get; init; } = "http";
        public string AppAddress { get; init; } = "127.0.0.1";
        public string LogLevel { get; init; } = "info";
        public bool EnableApiLogging { get; init; }
        public bool ApiToken { get; init; }
        public AppHealthDefinition AppHealth { get; init; } = new();
        public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
        public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
        public IReadOnlyList<string> SatcarArgs { get; init; } = [];
        public IReadOnlyDictionary<string, string> SatcarEnv { get; init; } = new Dictionary<string, string>();
        public bool Link { get; init; } = true;
    }

    private static Shared ReadShared(Fields? section, Shared? inherited)
    {
        var result = inherited ?? new Shared();
        if (section is null)
        {
            return result;
        }

        var single = section.Path("resourcesPath", mustExist: true);
        var many = section.PathList("resourcesPaths");
        if (single is not null && many is not null)
        {
            section.Problem("resourcesPaths", "give either resourcesPath or resourcesPaths, not both");
        }

        var protocol = section.String("appProtocol");
        if (protocol is not null && protocol is not ("http" or "https" or "grpc" or "grpcs"))
        {
            section.Problem("appProtocol", $"must be http, https, grpc or grpcs; got '{protocol}'");
        }

        var level = section.String("logLevel");
        if (level is not null && !LogLevels.Contains(level))
        {
            section.Problem("logLevel", $"must be one of {string.Join(", ", LogLevels)}; got '{level}'");
        }

        var timeout = section.Duration("startTimeout");
        var healthPath = section.String("appHealthCheckPath");
        if (healthPath is not null && !healthPath.StartsWith('/'))
        {
            section.Problem("appHealthCheckPath", $"must start with '/'; got '{healthPath}'");
        }

        var health = result.AppHealth with
        {
            Enabled = section.Bool("enableAppHealthCheck") ?? result.AppHealth.Enabled,
            Path = healthPath ?? result.AppHealth.Path,
            ProbeIntervalSeconds = section.Int("appHealthProbeInterval", 1, 3600) ?? result.AppHealth.ProbeIntervalSeconds,
            ProbeTimeoutMilliseconds = section.Int("appHealthProbeTimeout", 1, 3_600_000) ?? result.AppHealth.ProbeTimeoutMilliseconds,
            Threshold = section.Int("appHealthThreshold", 1, 1000) ?? result.AppHealth.Threshold,
        };

        var satcar = ReadSatcarShared(section, out var link);
        return result with
        {
            ResourcesPaths = many ?? (single is null ? result.ResourcesPaths : [single]),
            ConfigFile = section.Path("configFilePath", mustExist: true, file: true) ?? result.ConfigFile,
            AppProtocol = protocol ?? result.AppProtocol,
            AppAddress = section.Address("appAddress") ?? result.AppAddress,
            LogLevel = level ?? result.LogLevel,
            EnableApiLogging = section.Bool("enableApiLogging") ?? result.EnableApiLogging,
            ApiToken = section.Bool("apiToken") ?? result.ApiToken,
            AppHealth = health,
            StartTimeout = timeout ?? result.StartTimeout,
            Env = Merge(result.Env, section.StringMap("env")),
            SatcarArgs = [.. result.SatcarArgs, .. satcar.Args],
            SatcarEnv = Merge(result.SatcarEnv, satcar.Env),
            Link = link ?? result.Link,
        };
    }

    // In common, satcar takes only what every satcar shares (args, env) and link only true or false;
    // addresses and ports belong to one app.
    private static (IReadOnlyList<string> Args, IReadOnlyDictionary<string, string>? Env) ReadSatcarShared(Fields section, out bool? link)
    {
        link = null;
        if (!section.IsApp)
        {
            link = section.Bool("link");
            var satcar = section.Section("satcar", ["args", "env"]);
            satcar?.ReportUnknownKeys();
            return (satcar?.StringList("args") ?? [], satcar?.StringMap("env"));
        }

        return ([], null);
    }

    private static AppDefinition? ReadApp(Fields section, Shared defaults, string baseDirectory)
    {
        var before = section.Context.Problems.Count;
        var appId = section.String("appID");
        if (appId is null)
        {
            section.Problem("appID", "is required");
        }
        else if (!AppIdPattern().IsMatch(appId))
        {
            section.Problem("appID", $"must be letters, digits, '-' and '_', starting and ending with a letter or digit; got '{appId}'");
        }

        if (appId is not null)
        {
            section.Context.AppIds.Add(new Claim(appId, section.Field, section.LineOf("appID")));
        }

        var shared = ReadShared(section, defaults);
        var appDir = section.Path("appDirPath", mustExist: true, directory: true) ?? baseDirectory;
        var command = section.StringList("command", nonEmpty: true) ?? [];
        var build = section.StringList("build", nonEmpty: true) ?? [];
        var appPort = section.Port("appPort");
        section.ClaimPort(shared.AppAddress, appPort, "appPort");

        var satcarSection = section.Section("satcar", ["address", "httpPort", "peerPort", "grpcPort", "args", "env"]);
        var satcar = new SatcarDefinition
        {
            Address = satcarSection?.Address("address") ?? "127.0.0.1",
            HttpPort = satcarSection?.Port("httpPort"),
            PeerPort = satcarSection?.Port("peerPort"),
            GrpcPort = satcarSection?.Port("grpcPort"),
            Args = [.. shared.SatcarArgs, .. satcarSection?.StringList("args") ?? []],
            Env = Merge(shared.SatcarEnv, satcarSection?.StringMap("env")),
        };
        satcarSection?.ClaimPort(satcar.Address, satcar.HttpPort, "httpPort");
        satcarSection?.ClaimPort(satcar.Address, satcar.PeerPort, "peerPort");
        satcarSection?.ClaimPort(satcar.Address, satcar.GrpcPort, "grpcPort");
        satcarSection?.ReportUnknownKeys();

        LinkDefinition? link = null;
        var linkSection = section.IsMapping("link") ? section.Section("link", ["address", "port", "grpcPort", "args"]) : null;
        if (linkSection is not null || (section.Bool("link", orMapping: true) ?? shared.Link))
        {
            link = new LinkDefinition
            {
                Address = linkSection?.Address("address") ?? shared.AppAddress,
                Port = linkSection?.Port("port"),
                GrpcPort = linkSection?.Port("grpcPort"),
                Args = linkSection?.StringList("args") ?? [],
            };
            linkSection?.ClaimPort(link.Address, link.Port, "port");
            linkSection?.ClaimPort(link.Address, link.GrpcPort, "grpcPort");
        }

        linkSection?.ReportUnknownKeys();
        section.ReportUnknownKeys();
        if (section.Context.Problems.Count > before || appId is null)
        {
            return null;
        }

        return new AppDefinition
        {
            AppId = appId,
            Field = section.Field,
            AppDirPath = appDir,
            AppAddress = shared.AppAddress,
            AppPort = appPort,
            AppProtocol = shared.AppProtocol,
            Command = ResolveExecutable(command, appDir),
            Build = ResolveExecutable(build, appDir),
            Env = shared.Env,
            ResourcesPaths = shared.ResourcesPaths ?? [],
            ConfigFiles = shared.ConfigFile is null ? [] : [shared.ConfigFile],
            LogLevel = shared.LogLevel,
            EnableApiLogging = shared.EnableApiLogging,
            ApiToken = shared.ApiToken,
            AppHealth = shared.AppHealth,
            StartTimeout = shared.StartTimeout,
            Satcar = satcar,
            Link = link,
        };
    }

    // A command given as a path (./run.sh, bin/app) is relative to the app's folder; a bare name is looked up on PATH.
    private static IReadOnlyList<string> ResolveExecutable(IReadOnlyList<string> command, string directory) =>
        command.Count > 0 && command[0].Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(command[0])
            ? [Path.GetFullPath(Path.Combine(directory, command[0])), .. command.Skip(1)]
            : command;

    private static RedisDefinition? ReadRedis(Fields? section)
    {
        if (section is null)
        {
            return null;
        }

        var redis = new RedisDefinition
        {
            Address = section.Address("address") ?? "127.0.0.1",
            Port = section.Port("port") ?? 6379,
            Command = section.String("command") ?? "redis-server",
            Args = section.StringList("args") ?? [],
            StartTimeout = section.Duration("startTimeout") ?? TimeSpan.FromSeconds(60),
        };
        section.ClaimPort(redis.Address, redis.Port, "port");
        section.ReportUnknownKeys();
        return redis;
    }

    private static IReadOnlyDictionary<string, string> Merge(IReadOnlyDictionary<string, string> first, IReadOnlyDictionary<string, string>? second)
    {
        if (second is null || second.Count == 0)
        {
            return first;
        }

        var merged = new Dictionary<string, string>(first, StringComparer.Ordinal);
        foreach (var (name, value) in second)
        {
            merged[name] = value;
        }

        return merged;
    }

    // Duplicates are looked for among every app, also those with other problems, so one run reports them all.
    private static void CheckUnique(Context context)
    {
        var ids = new Dictionary<string, Claim>(StringComparer.OrdinalIgnoreCase);
        foreach (var claim in context.AppIds)
        {
            if (!ids.TryAdd(claim.Key, claim))
            {
                context.Problem(claim.Line, $"{claim.Field}.appID", $"'{claim.Key}' is also the appID of {ids[claim.Key].Field}");
            }
        }

        var ports = new Dictionary<string, Claim>(StringComparer.Ordinal);
        foreach (var claim in context.Ports)
        {
            if (!ports.TryAdd(claim.Key, claim))
            {
                context.Problem(claim.Line, claim.Field, $"{claim.Key} is also used by {ports[claim.Key].Field}");
            }
        }
    }

    // Dapr app ids end up in hostnames and in the "id.namespace" invocation form, so no dots.
    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$")]
    private static partial Regex AppIdPattern();

    /// <summary>What every section of one file shares: the file's name, the variables, the problems found.</summary>
    private sealed class Context(string file, Func<string, string?> environment)
    {
        public List<TopologyProblem> Problems { get; } = [];

        public List<Claim> AppIds { get; } = [];

        /// <summary>Explicit ports, keyed "port N on ADDRESS".</summary>
        public List<Claim> Ports { get; } = [];

        public Func<string, string?> Environment { get; } = environment;

        public void Problem(int? line, string field, string message) => Problems.Add(new TopologyProblem(file, line, field, message));
    }

    private sealed record ScalarValue(string Text, int Line);

    /// <summary>Something that must be unique in the file (an app id, an address and port) and where it was claimed.</summary>
    private sealed record Claim(string Key, string Field, int? Line);

    private sealed record SequenceValue(YamlSequenceNode Node, int Line)
    {
        public int Count => Node.Children.Count;
    }

    /// <summary>A mapping in the file with its field path; reads typed, expanded values and remembers which keys were known.</summary>
    private sealed class Fields(Context context, YamlMappingNode node, string field, IReadOnlyCollection<string> keys, string baseDirectory, bool isApp = false)
    {
        private bool _invalidAddress;

        public Context Context { get; } = context;

        public string Field { get; } = field;

        public bool IsApp { get; } = isApp;

        public void Problem(string key, string message) => Context.Problem(LineOf(key), Join(key), message);

        public void ReportUnknownKeys()
        {
            foreach (var (keyNode, _) in node.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                if (keys.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    continue;
                }

                var hint = DaprHints.TryGetValue(key, out var h) ? $"; {h}"
                    : DaprOnlyKeys.Contains(key) ? "; a dapr.yaml key satcar up does not take: pass the matching satcar run flag in satcar.args"
                    : Closest(key, keys) is { } close ? $"; did you mean '{close}'?"
                    : $"; known keys here: {string.Join(", ", keys)}";
                Context.Problem((int)keyNode.Start.Line, Join(key), $"unknown key{hint}");
            }
        }

        public Fields? Section(string key, IReadOnlyCollection<string> sectionKeys)
        {
            switch (Get(key))
            {
                case null:
                    return null;
                case YamlMappingNode mapping:
                    return new Fields(Context, mapping, Join(key), sectionKeys, baseDirectory);
                case YamlScalarNode { Value: "" or "~" or "null" }:
                    return null;
                default:
                    Problem(key, "must be a mapping");
                    return null;
            }
        }

        public SequenceValue? Sequence(string key)
        {
            switch (Get(key))
            {
                case null:
                    return null;
                case YamlSequenceNode sequence:
                    return new SequenceValue(sequence, (int)sequence.Start.Line);
                default:
                    Problem(key, "must be a list");
                    return null;
            }
        }

        public Fields? SequenceItem(SequenceValue sequence, int index, IReadOnlyCollection<string> itemKeys)
        {
            var item = sequence.Node.Children[index];
            var itemField = $"{Join("apps")}[{index}]";
            if (item is YamlMappingNode mapping)
            {
                return new Fields(Context, mapping, itemField, itemKeys, baseDirectory, isApp: true);
            }

            Context.Problem((int)item.Start.Line, itemField, "must be a mapping with appID, command, satcar, ...");
            return null;
        }

        public ScalarValue? Scalar(string key)
        {
            switch (Get(key))
            {
                case null:
                    return null;
                case YamlScalarNode scalar:
                    var text = VariableExpansion.Expand(scalar.Value ?? "", Context.Environment, out var error);
                    if (text is null)
                    {
                        Problem(key, error!);
                        return null;
                    }

                    return new ScalarValue(text, (int)scalar.Start.Line);
                default:
                    Problem(key, "must be a single value");
                    return null;
            }
        }

        public string? String(string key) => Scalar(key)?.Text is { Length: > 0 } text ? text : null;

        public int? Int(string key, int min, int max)
        {
            if (Scalar(key) is not { Text.Length: > 0 } value)
            {
                return null;
            }

            if (int.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
            {
                return number;
            }

            Problem(key, $"must be a whole number from {min} to {max}; got '{value.Text}'");
            return null;
        }

        public int? Port(string key)
        {
            if (Scalar(key) is not { Text.Length: > 0 } value)
            {
                return null;
            }

            if (int.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
            {
                return port;
            }

            Problem(key, $"must be a port number (1-65535); got '{value.Text}'");
            return null;
        }

        public bool IsMapping(string key) => Get(key) is YamlMappingNode;

        /// <summary>Records an explicit port for the duplicate check; an address that failed validation claims nothing.</summary>
        public void ClaimPort(string address, int? port, string key)
        {
            if (port is { } number && IPAddress.TryParse(address, out var ip) && !_invalidAddress)
            {
                Context.Ports.Add(new Claim($"port {number.ToString(CultureInfo.InvariantCulture)} on {ip}", Join(key), LineOf(key)));
            }
        }

        public bool? Bool(string key, bool orMapping = false)
        {
            if (Scalar(key) is not { } value)
            {
                return null;
            }

            switch (value.Text.ToLowerInvariant())
            {
                case "true":
                    return true;
                case "false":
                    return false;
                default:
                    Problem(key, orMapping ? $"must be true, false or a mapping; got '{value.Text}'" : $"must be true or false; got '{value.Text}'");
                    return null;
            }
        }

        public TimeSpan? Duration(string key)
        {
            if (String(key) is not { } text)
            {
                return null;
            }

            if (GoDuration.TryParse(text, out var duration) && duration > TimeSpan.Zero)
            {
                return duration;
            }

            Problem(key, $"must be a duration such as 30s, 2m or 1m30s; got '{text}'");
            return null;
        }

        public string? Address(string key)
        {
            if (String(key) is not { } text)
            {
                return null;
            }

            if (text.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                return "127.0.0.1";
            }

            if (IPAddress.TryParse(text, out var address) && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any))
            {
                return address.ToString();
            }

            Problem(key, $"must be an IP address to bind to, such as 127.0.0.2 (a loopback address stands for a host of its own); got '{text}'");
            _invalidAddress = true;
            return null;
        }

        public IReadOnlyList<string>? StringList(string key, bool nonEmpty = false)
        {
            switch (Get(key))
            {
                case null:
                    return null;
                case YamlSequenceNode sequence:
                    var items = new List<string>();
                    for (var i = 0; i < sequence.Children.Count; i++)
                    {
                        if (sequence.Children[i] is not YamlScalarNode scalar)
                        {
                            Context.Problem((int)sequence.Children[i].Start.Line, $"{Join(key)}[{i}]", "must be a single value");
                            continue;
                        }

                        var text = VariableExpansion.Expand(scalar.Value ?? "", Context.Environment, out var error);
                        if (text is null)
                        {
                            Context.Problem((int)scalar.Start.Line, $"{Join(key)}[{i}]", error!);
                            continue;
                        }

                        items.Add(text);
                    }

                    if (nonEmpty && (items.Count == 0 || items[0].Length == 0))
                    {
                        Problem(key, "must list the executable and its arguments, such as [\"dotnet\", \"app.dll\"]");
                        return null;
                    }

                    return items;
                default:
                    Problem(key, "must be a list, such as [\"dotnet\", \"app.dll\"]");
                    return null;
            }
        }

        public IReadOnlyDictionary<string, string>? StringMap(string key)
        {
            switch (Get(key))
            {
                case null:
                    return null;
                case YamlMappingNode mapping:
                    var result = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var (nameNode, valueNode) in mapping.Children)
                    {
                        var name = (nameNode as YamlScalarNode)?.Value ?? "";
                        var itemField = $"{Join(key)}.{name}";
                        if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal))
                        {
                            Context.Problem((int)nameNode.Start.Line, itemField, "is not a valid environment variable name");
                            continue;
                        }

                        if (valueNode is not YamlScalarNode scalar)
                        {
                            Context.Problem((int)valueNode.Start.Line, itemField, "must be a single value");
                            continue;
                        }

                        var text = VariableExpansion.Expand(scalar.Value ?? "", Context.Environment, out var error);
                        if (text is null)
                        {
                            Context.Problem((int)scalar.Start.Line, itemField, error!);
                            continue;
                        }

                        result[name] = text;
                    }

                    return result;
                default:
                    Problem(key, "must be a mapping of names to values");
                    return null;
            }
        }

        /// <summary>A path relative to the topology file, made absolute; checked to exist when asked.</summary>
        public string? Path(string key, bool mustExist, bool file = false, bool directory = false)
        {
            if (String(key) is not { } text)
            {
                return null;
            }

            var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, text));
            if (mustExist)
            {
                CheckPath(key, text, full, file, directory);
            }

            return full;
        }

        public IReadOnlyList<string>? PathList(string key)
        {
            if (StringList(key) is not { } items)
            {
                return null;
            }

            var result = new List<string>();
            foreach (var item in items)
            {
                var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, item));
                CheckPath(key, item, full, file: false, directory: false);
                result.Add(full);
            }

            return result;
        }

        private void CheckPath(string key, string text, string full, bool file, bool directory)
        {
            if (file && !File.Exists(full))
            {
                Problem(key, Directory.Exists(full) ? $"'{text}' is a folder; give a file" : $"file '{text}' does not exist ({full})");
            }
            else if (directory && !Directory.Exists(full))
            {
                Problem(key, $"folder '{text}' does not exist ({full})");
            }
            else if (!file && !directory && !File.Exists(full) && !Directory.Exists(full))
            {
                Problem(key, $"'{text}' does not exist ({full})");
            }
        }

        private YamlNode? Get(string key)
        {
            foreach (var (keyNode, value) in node.Children)
            {
                if (keyNode is YamlScalarNode { Value: { } name } && name.Equals(key, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }

            return null;
        }

        public int? LineOf(string key)
        {
            foreach (var (keyNode, value) in node.Children)
            {
                if (keyNode is YamlScalarNode { Value: { } name } && name.Equals(key, StringComparison.OrdinalIgnoreCase))
                {
                    return (int)value.Start.Line;
                }
            }

            return (int)node.Start.Line;
        }

        private string Join(string key) => Field.Length == 0 ? key : $"{Field}.{key}";

        // A typo is at most two edits away; anything further is a different key.
        private static string? Closest(string key, IEnumerable<string> candidates) =>
            candidates.Select(c => (Key: c, Distance: EditDistance(key.ToLowerInvariant(), c.ToLowerInvariant())))
                .Where(c => c.Distance <= 2)
                .OrderBy(c => c.Distance)
                .Select(c => c.Key)
                .FirstOrDefault();

        private static int EditDistance(string a, string b)
        {
            var previous = Enumerable.Range(0, b.Length + 1).ToArray();
            for (var i = 1; i <= a.Length; i++)
            {
                var current = new int[b.Length + 1];
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                }

                previous = current;
            }

            return previous[b.Length];
        }
    }
}
