using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using Satcar.Up.Topology;

namespace Satcar.Up.Supervision;

/// <summary>What a process is in the topology; it decides the start order (and the reverse stop order).</summary>
internal enum ProcessRole
{
    Build,
    Redis,
    Satcar,
    Link,
    App,
}

/// <summary>One process to start: its command line, folder, environment and health check.</summary>
internal sealed record PlannedProcess
{
    public required string Name { get; init; }

    public required ProcessRole Role { get; init; }

    public required string FileName { get; init; }

    public required IReadOnlyList<string> Arguments { get; init; }

    public required string WorkingDirectory { get; init; }

    /// <summary>Changes to the inherited environment: a null value removes the variable.</summary>
    public required IReadOnlyDictionary<string, string?> Environment { get; init; }

    /// <summary>Null for a process that counts as started as soon as it runs.</summary>
    public HealthCheck? Health { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int ColourIndex { get; init; }
}

/// <summary>Where one app's parts listen, after free ports were picked: printed at the start of a run.</summary>
internal sealed record AppEndpoints(string AppId, string? App, string? Link, string Satcar, string Peer, string DaprHttpEndpoint);

/// <summary>
/// A topology turned into processes: builds first, then redis, the satcars, the links and the apps,
/// each stage healthy before the next starts. Ports the file leaves out are asked of the OS here.
/// </summary>
internal sealed class LaunchPlan
{
    // dotnet build and dotnet run keep build servers (MSBuild nodes, the Roslyn compiler server) alive
    // for minutes after they exit; satcar up must leave nothing running behind it.
    private static readonly Dictionary<string, string?> NoBuildServers = new()
    {
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["UseSharedCompilation"] = "false",
    };

    private LaunchPlan(IReadOnlyList<PlannedProcess> builds, IReadOnlyList<IReadOnlyList<PlannedProcess>> stages, IReadOnlyList<AppEndpoints> endpoints)
    {
        Builds = builds;
        Stages = stages;
        Endpoints = endpoints;
    }

    /// <summary>Build commands, run one after another to completion before anything else starts.</summary>
    public IReadOnlyList<PlannedProcess> Builds { get; }

    /// <summary>redis, satcars, links, apps: each stage starts together and must be healthy before the next.</summary>
    public IReadOnlyList<IReadOnlyList<PlannedProcess>> Stages { get; }

    public IReadOnlyList<AppEndpoints> Endpoints { get; }

    /// <summary>Every process name, for the output's column width.</summary>
    public IEnumerable<string> Names => Builds.Concat(Stages.SelectMany(s => s)).Select(p => p.Name);

    public static LaunchPlan Create(TopologyDefinition topology, string home)
    {
        var ports = new PortPicker(topology);
        var peerSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var (satcarFile, satcarPrefix) = SelfCommand();
        var colour = 0;

        var builds = new List<PlannedProcess>();
        var redisStage = new List<PlannedProcess>();
        var satcars = new List<PlannedProcess>();
        var links = new List<PlannedProcess>();
        var apps = new List<PlannedProcess>();
        var endpoints = new List<AppEndpoints>();

        var redisEnvironment = new Dictionary<string, string?>();
        if (topology.Redis is { } redis)
        {
            var redisDir = Path.Combine(home, "redis");
            Directory.CreateDirectory(redisDir);
            redisStage.Add(new PlannedProcess
            {
                Name = "redis",
                Role = ProcessRole.Redis,
                FileName = redis.Command,
                Arguments =
                [
                    "--port", Text(redis.Port), "--bind", redis.Address, "--save", "", "--appendonly", "no",
                    "--dir", redisDir, "--protected-mode", "no", .. redis.Args,
                ],
                WorkingDirectory = redisDir,
                Environment = new Dictionary<string, string?>(),
                Health = new HealthCheck.RedisPing(redis.Address, redis.Port),
                StartTimeout = redis.StartTimeout,
                ColourIndex = colour++,
            });
            redisEnvironment["REDIS_HOST"] = redis.Address;
            redisEnvironment["REDIS_PORT"] = Text(redis.Port);
            redisEnvironment["REDIS_ADDRESS"] = $"{Authority(redis.Address)}:{Text(redis.Port)}";
        }

        foreach (var app in topology.Apps)
        {
            var satcarPort = app.Satcar.HttpPort ?? ports.Free(app.Satcar.Address);
            var peerPort = app.Satcar.PeerPort ?? ports.Free(app.Satcar.Address);
            var satcarGrpcPort = app.Satcar.GrpcPort ?? ports.Free(app.Satcar.Address);
            var linkPort = app.Link is null ? (int?)null : app.Link.Port ?? ports.Free(app.Link.Address);
            var linkGrpcPort = app.Link is null ? (int?)null : app.Link.GrpcPort ?? ports.Free(app.Link.Address);
            var satcarUrl = $"http://{Authority(app.Satcar.Address)}:{Text(satcarPort)}";
            var apiToken = app.ApiToken ? Convert.ToHexString(RandomNumberGenerator.GetBytes(24)) : null;

            // The app talks to its link, or straight to its satcar; "localhost" when that listens on the
            // app's own loopback, as a Dapr app expects of its sidecar.
            var (daprAddress, daprPort) = app.Link is { } linkDefinition ? (linkDefinition.Address, linkPort!.Value) : (app.Satcar.Address, satcarPort);
            var daprEndpoint = $"http://{(daprAddress == "127.0.0.1" ? "localhost" : Authority(daprAddress))}:{Text(daprPort)}";

            if (app.Build.Count > 0)
            {
                builds.Add(new PlannedProcess
                {
                    Name = $"{app.AppId}/build",
                    Role = ProcessRole.Build,
                    FileName = app.Build[0],
                    Arguments = [.. app.Build.Skip(1)],
                    WorkingDirectory = app.AppDirPath,
                    Environment = new Dictionary<string, string?>(NoBuildServers) { ["SATCAR_PEER_SECRET"] = null },
                    ColourIndex = colour++,
                });
            }

            var satcarEnvironment = new Dictionary<string, string?>(redisEnvironment)
            {
                ["SATCAR_HOME"] = home,
                ["SATCAR_PEER_SECRET"] = peerSecret,
            };
            if (apiToken is not null)
            {
                satcarEnvironment["DAPR_API_TOKEN"] = apiToken;
            }

            foreach (var (name, value) in app.Satcar.Env)
            {
                satcarEnvironment[name] = value;
            }

            satcars.Add(new PlannedProcess
            {
                Name = $"{app.AppId}/satcar",
                Role = ProcessRole.Satcar,
                FileName = satcarFile,
                Arguments = [.. satcarPrefix, .. SatcarArguments(app, satcarPort, peerPort, satcarGrpcPort)],
                WorkingDirectory = home,
                Environment = satcarEnvironment,
                Health = new HealthCheck.Http(new Uri($"{satcarUrl}/v1.0/healthz/outbound"), HttpStatusCode.NoContent),
                StartTimeout = app.StartTimeout,
                ColourIndex = colour++,
            });

            if (app.Link is { } link)
            {
                var linkEnvironment = new Dictionary<string, string?> { ["SATCAR_PEER_SECRET"] = null };
                if (apiToken is not null)
                {
                    linkEnvironment["DAPR_API_TOKEN"] = apiToken;
                }

                links.Add(new PlannedProcess
                {
                    Name = $"{app.AppId}/link",
                    Role = ProcessRole.Link,
                    FileName = satcarFile,
                    Arguments =
                    [
                        .. satcarPrefix, "link", "--satcar-url", satcarUrl, "--dapr-http-port", Text(linkPort!.Value),
                        "--dapr-grpc-port", Text(linkGrpcPort!.Value),
                        "--listen-address", link.Address, .. link.Args,
                    ],
                    WorkingDirectory = home,
                    Environment = linkEnvironment,
                    Health = new HealthCheck.Http(new Uri($"http://{Authority(link.Address)}:{Text(linkPort.Value)}/satcar-link/healthz"), HttpStatusCode.OK),
                    StartTimeout = app.StartTimeout,
                    ColourIndex = colour++,
                });
            }

            if (app.Command.Count > 0)
            {
                apps.Add(new PlannedProcess
                {
                    Name = app.AppId,
                    Role = ProcessRole.App,
                    FileName = app.Command[0],
                    Arguments = [.. app.Command.Skip(1)],
                    WorkingDirectory = app.AppDirPath,
                    Environment = AppEnvironment(app, daprPort, daprEndpoint, linkGrpcPort ?? satcarGrpcPort, apiToken),
                    Health = app.AppPort is { } appPort ? new HealthCheck.Tcp(app.AppAddress, appPort) : null,
                    StartTimeout = app.StartTimeout,
                    ColourIndex = colour++,
                });
            }

            endpoints.Add(new AppEndpoints(
                app.AppId,
                app.AppPort is { } port ? $"{Authority(app.AppAddress)}:{Text(port)}" : null,
                app.Link is null ? null : $"{Authority(app.Link.Address)}:{Text(linkPort!.Value)}",
                $"{Authority(app.Satcar.Address)}:{Text(satcarPort)}",
                $"{Authority(app.Satcar.Address)}:{Text(peerPort)}",
                daprEndpoint));
        }

        IReadOnlyList<IReadOnlyList<PlannedProcess>> stages = [.. new[] { redisStage, satcars, links, apps }.Where(s => s.Count > 0)];
        return new LaunchPlan(builds, stages, endpoints);
    }

    private static List<string> SatcarArguments(AppDefinition app, int httpPort, int peerPort, int grpcPort)
    {
        var address = app.Satcar.Address;
        var args = new List<string>
        {
            "run",
            "--app-id", app.AppId,
            "--dapr-http-port", Text(httpPort),
            "--dapr-listen-addresses", address,
            "--dapr-internal-grpc-port", Text(peerPort),
            "--dapr-internal-grpc-listen-address", address,
            "--dapr-grpc-port", Text(grpcPort),
            "--host-address", address,
            "--log-level", app.LogLevel,
        };
        if (app.AppPort is { } appPort)
        {
            args.AddRange(["--app-port", Text(appPort), "--app-channel-address", app.AppAddress, "--app-protocol", app.AppProtocol]);
        }

        foreach (var path in app.ResourcesPaths)
        {
            args.AddRange(["--resources-path", path]);
        }

        foreach (var file in app.ConfigFiles)
        {
            args.AddRange(["--config", file]);
        }

        if (app.EnableApiLogging)
        {
            args.Add("--enable-api-logging");
        }

        var health = app.AppHealth;
        if (health.Enabled)
        {
            args.Add("--enable-app-health-check");
        }

        AddIf(args, "--app-health-check-path", health.Path);
        AddIf(args, "--app-health-probe-interval", health.ProbeIntervalSeconds);
        AddIf(args, "--app-health-probe-timeout", health.ProbeTimeoutMilliseconds);
        AddIf(args, "--app-health-threshold", health.Threshold);
        args.AddRange(app.Satcar.Args);
        return args;
    }

    private static Dictionary<string, string?> AppEnvironment(AppDefinition app, int daprPort, string daprEndpoint, int grpcPort, string? apiToken)
    {
        var environment = new Dictionary<string, string?>(NoBuildServers)
        {
            ["APP_ID"] = app.AppId,
            ["DAPR_HTTP_PORT"] = Text(daprPort),
            ["DAPR_HTTP_ENDPOINT"] = daprEndpoint,
            // The gRPC endpoint too: an SDK would otherwise read DAPR_HTTP_ENDPOINT's host with DAPR_GRPC_PORT.
            ["DAPR_GRPC_PORT"] = Text(grpcPort),
            ["DAPR_GRPC_ENDPOINT"] = GrpcEndpoint(daprEndpoint, grpcPort),
            // The peer secret is for satcars only; an app that inherited one from the shell does not get it.
            ["SATCAR_PEER_SECRET"] = null,
        };
        if (apiToken is not null)
        {
            // With a link, the link adds the token: the app does not need to know it.
            environment["DAPR_API_TOKEN"] = app.Link is null ? apiToken : null;
        }

        if (app.AppPort is { } port)
        {
            environment["APP_PORT"] = Text(port);
            var tls = app.AppProtocol is "https" or "grpcs";
            environment["ASPNETCORE_URLS"] = $"{(tls ? "https" : "http")}://{Authority(app.AppAddress)}:{Text(port)}";
            if (app.AppProtocol == "grpc")
            {
                // The satcar calls a grpc app over h2c (HTTP/2 without TLS), which Kestrel serves only when told to.
                environment["Kestrel__EndpointDefaults__Protocols"] = "Http2";
            }
        }

        foreach (var (name, value) in app.Env)
        {
            environment[name] = value;
        }

        return environment;
    }

    private static void AddIf<T>(List<string> args, string flag, T? value)
    {
        if (value is not null)
        {
            args.AddRange([flag, Convert.ToString(value, CultureInfo.InvariantCulture)!]);
        }
    }

    /// <summary>How to run this satcar executable again: the apphost itself, or <c>dotnet satcar.dll</c>.</summary>
    private static (string FileName, IReadOnlyList<string> Prefix) SelfCommand()
    {
        var processPath = Environment.ProcessPath ?? "dotnet";
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet"
            && Assembly.GetEntryAssembly()?.Location is { Length: > 0 } entry)
        {
            return (processPath, [entry]);
        }

        return (processPath, []);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The app's Dapr endpoint with the gRPC port in place of the HTTP one.</summary>
    private static string GrpcEndpoint(string daprEndpoint, int grpcPort) =>
        new UriBuilder(daprEndpoint) { Port = grpcPort }.Uri.GetLeftPart(UriPartial.Authority);

    private static string Authority(string address) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address;

    /// <summary>Free ports from the OS (bind to port 0), never one the file names or one handed out already.</summary>
    private sealed class PortPicker
    {
        private readonly HashSet<(string, int)> _taken = [];

        public PortPicker(TopologyDefinition topology)
        {
            foreach (var app in topology.Apps)
            {
                Take(app.Satcar.Address, app.Satcar.HttpPort);
                Take(app.Satcar.Address, app.Satcar.PeerPort);
                Take(app.Link?.Address, app.Link?.Port);
                Take(app.AppAddress, app.AppPort);
            }

            Take(topology.Redis?.Address, topology.Redis?.Port);
        }

        public int Free(string address)
        {
            for (var attempt = 0; attempt < 100; attempt++)
            {
                using var listener = new TcpListener(IPAddress.Parse(address), 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (_taken.Add((address, port)))
                {
                    return port;
                }
            }

            throw new InvalidOperationException($"no free port on {address}");
        }

        private void Take(string? address, int? port)
        {
            if (address is not null && port is { } number)
            {
                _taken.Add((address, number));
            }
        }
    }
}
