using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Satcar.Components;
using Satcar.Runtime.Hosting;

namespace Satcar.Cli.Commands;

/// <summary>
/// <c>satcar run</c>: the runtime, configured with daprd's flags and environment variables
/// (https://docs.dapr.io/reference/arguments-annotations-overview/) plus <c>--app-url</c> for an app on another host.
/// </summary>
internal static class RunCommand
{
    /// <summary>daprd flags satcar accepts so existing command lines keep working, but does not act on yet.</summary>
    private static readonly string[] s_ignoredFlags =
    [
        "--mode", "--enable-metrics", "--metrics-listen-address", "--enable-profiling", "--placement-host-address",
        "--scheduler-host-address", "--sentry-address", "--control-plane-address", "--control-plane-trust-domain",
        "--control-plane-namespace", "--enable-mtls", "--app-max-concurrency", "--dapr-public-port",
        "--dapr-public-listen-address", "--allowed-origins", "--read-buffer-size", "--dapr-http-read-buffer-size",
        "--unix-domain-socket", "--log-file", "--dapr-block-shutdown-duration", "--disable-init-endpoints",
        "--app-binding-options-timeout", "--hot-reload-reconcile-interval", "--app-ssl",
    ];

    public static Command Create()
    {
        var flags = new RunFlags();
        var command = new Command("run", "Run a satcar: the Dapr HTTP API for one app, with its components.");
        foreach (var option in flags.All)
        {
            command.Options.Add(option);
        }

        var ignored = s_ignoredFlags.Select(name => new Option<string?>(name)
        {
            Description = "Accepted for compatibility with daprd; has no effect yet.",
            Arity = ArgumentArity.ZeroOrOne,
            Hidden = true,
        }).ToList();
        foreach (var option in ignored)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result => flags.Validate(result));
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = flags.ToOptions(parse);
            foreach (var option in ignored.Where(o => parse.GetResult(o) is not null))
            {
                Console.Error.WriteLine($"satcar run: {option.Name} is accepted for daprd compatibility but has no effect in this version");
            }

            return await RunAsync(options, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(SatcarOptions options, CancellationToken cancellationToken)
    {
        SatcarHost host;
        try
        {
            host = await SatcarHost.StartAsync(options, BuiltInComponents.CreateRegistry(), cancellationToken: cancellationToken);
        }
        catch (SatcarStartException e)
        {
            Console.Error.WriteLine($"satcar run: cannot start the satcar for app '{options.AppId}':");
            foreach (var problem in e.Problems)
            {
                Console.Error.WriteLine($"  {problem}");
            }

            return ExitCodes.Failure;
        }

        await using (host)
        {
            await host.WaitForShutdownAsync(CancellationToken.None);
        }

        return Environment.ExitCode;
    }

    /// <summary>The flags of <c>satcar run</c>, and their translation into <see cref="SatcarOptions"/>.</summary>
    private sealed class RunFlags
    {
        public readonly Option<string> AppId = new("--app-id") { Description = "The app's id: the invocation target and the state key prefix." };
        public readonly Option<int?> AppPort = new("--app-port") { Description = "The port the app listens on." };
        public readonly Option<string> AppProtocol = new("--app-protocol") { Description = "How the satcar talks to the app: http, https, or grpc/grpcs for an app serving Dapr's AppCallback gRPC service (grpcs: over TLS).", DefaultValueFactory = _ => "http" };
        public readonly Option<string> AppChannelAddress = new("--app-channel-address") { Description = "The host the app listens on.", DefaultValueFactory = _ => "127.0.0.1" };
        public readonly Option<string?> AppUrl = new("--app-url") { Description = "The full base URL of an app on another host, such as https://app2.example.net." };
        public readonly Option<int?> DaprHttpPort = new("--dapr-http-port") { Description = "The Dapr HTTP API port (default 3500, or DAPR_HTTP_PORT)." };
        public readonly Option<int> DaprGrpcPort = new("--dapr-grpc-port") { Description = "The Dapr gRPC API port (HTTP/2 without TLS; 0 picks a free port).", DefaultValueFactory = _ => 50001 };
        public readonly Option<int?> DaprInternalGrpcPort = new("--dapr-internal-grpc-port") { Description = "The port other satcars call this one on." };
        public readonly Option<string?> ListenAddresses = new("--dapr-listen-addresses") { Description = "Comma-separated addresses the API binds to (default: all interfaces)." };
        public readonly Option<string[]> ResourcesPath = new("--resources-path", "--components-path") { Description = "A folder of resource YAML; repeat it or give a comma-separated list." };
        public readonly Option<string[]> Config = new("--config") { Description = "A Configuration file; repeatable." };
        public readonly Option<string> Level = new("--log-level") { Description = "debug, info, warn, error or fatal.", DefaultValueFactory = _ => "info" };
        public readonly Option<bool> LogAsJson = new("--log-as-json") { Description = "Write logs as JSON." };
        public readonly Option<string?> MaxBodySize = new("--max-body-size") { Description = "The largest request body accepted, such as 4Mi (default)." };
        public readonly Option<int?> MaxRequestSizeMb = new("--dapr-http-max-request-size") { Description = "Deprecated: the largest request body in MB; use --max-body-size.", Hidden = true };
        public readonly Option<bool?> EnableApiLogging = new("--enable-api-logging") { Description = "Log every API call." };
        public readonly Option<string?> HostAddress = new("--host-address") { Description = "The address other satcars reach this one on (an IP or FQDN; default DAPR_HOST_IP, else the peer listen address when it is one address, else detected)." };
        public readonly Option<int> MetricsPort = new("--metrics-port") { Description = "Reported to Configuration placeholders as DAPR_METRICS_PORT.", DefaultValueFactory = _ => 9090 };
        public readonly Option<int> ProfilePort = new("--profile-port") { Description = "Reported to Configuration placeholders as DAPR_PROFILE_PORT.", DefaultValueFactory = _ => 7777 };
        public readonly Option<int> GracefulShutdownSeconds = new("--dapr-graceful-shutdown-seconds") { Description = "How long a shutdown may take.", DefaultValueFactory = _ => 5 };
        public readonly Option<string?> PeerListenAddress = new("--dapr-internal-grpc-listen-address") { Description = "The address the peer port binds to (default: all interfaces)." };
        public readonly Option<string?> PeerSecretFile = new("--peer-secret-file") { Description = "A file holding the shared peer secret (or set SATCAR_PEER_SECRET). Without one, peer calls are off." };
        public readonly Option<string?> ApiTlsCertFile = new("--api-tls-cert-file") { Description = "PEM certificate: serve the Dapr HTTP and gRPC API ports over TLS (satcar's own flag)." };
        public readonly Option<string?> ApiTlsKeyFile = new("--api-tls-key-file") { Description = "PEM private key of --api-tls-cert-file." };
        public readonly Option<string?> PeerTlsCertFile = new("--peer-tls-cert-file") { Description = "PEM certificate: serve the peer port over TLS and call peers over https." };
        public readonly Option<string?> PeerTlsKeyFile = new("--peer-tls-key-file") { Description = "PEM private key of --peer-tls-cert-file." };
        public readonly Option<string?> PeerTlsCaFile = new("--peer-tls-ca-file") { Description = "PEM CA to check peer certificates against instead of the system store." };
        public readonly Option<bool> PeerTlsSkipVerify = new("--peer-tls-skip-verify") { Description = "Do not verify peer certificates (insecure)." };
        public readonly Option<string?> AppTlsCaFile = new("--app-tls-ca-file") { Description = "PEM CA to check the app's certificate against instead of the system store." };
        public readonly Option<bool> AppTlsSkipVerify = new("--app-tls-skip-verify") { Description = "Do not verify the app's certificate (insecure)." };
        public readonly Option<bool> AppHealthCheck = new("--enable-app-health-check") { Description = "Probe the app's health; invocations fail fast while it is unhealthy." };
        public readonly Option<string> AppHealthCheckPath = new("--app-health-check-path") { Description = "The path probed.", DefaultValueFactory = _ => "/healthz" };
        public readonly Option<int> AppHealthProbeInterval = new("--app-health-probe-interval") { Description = "Seconds between probes.", DefaultValueFactory = _ => 5 };
        public readonly Option<int> AppHealthProbeTimeout = new("--app-health-probe-timeout") { Description = "Milliseconds a probe may take.", DefaultValueFactory = _ => 500 };
        public readonly Option<int> AppHealthThreshold = new("--app-health-threshold") { Description = "Failed probes in a row before the app counts as unhealthy.", DefaultValueFactory = _ => 3 };

        public IEnumerable<Option> All =>
        [
            AppId, AppPort, AppProtocol, AppChannelAddress, AppUrl, DaprHttpPort, DaprGrpcPort, DaprInternalGrpcPort,
            ListenAddresses, ResourcesPath, Config, Level, LogAsJson, MaxBodySize, MaxRequestSizeMb, EnableApiLogging,
            HostAddress, MetricsPort, ProfilePort, GracefulShutdownSeconds, PeerListenAddress, PeerSecretFile, ApiTlsCertFile, ApiTlsKeyFile, PeerTlsCertFile,
            PeerTlsKeyFile, PeerTlsCaFile, PeerTlsSkipVerify, AppTlsCaFile, AppTlsSkipVerify, AppHealthCheck, AppHealthCheckPath,
            AppHealthProbeInterval, AppHealthProbeTimeout, AppHealthThreshold,
        ];

        /// <summary>Checks the values System.CommandLine cannot type-check; each error names its flag.</summary>
        public void Validate(CommandResult result)
        {
            if (result.GetValue(Level) is { } level && ParseLogLevel(level) is null)
            {
                result.AddError($"--log-level must be one of debug, info, warn, error, fatal; got '{level}'");
            }

            if (result.GetValue(MaxBodySize) is { } size && !ByteSize.TryParse(size, out _))
            {
                result.AddError($"--max-body-size must be a size such as 4Mi, 512Ki or 1048576; got '{size}'");
            }

            if (ParsedValue(result, MaxRequestSizeMb) is { } megabytes && megabytes <= 0)
            {
                result.AddError($"--dapr-http-max-request-size must be a positive number of MB; got {megabytes}");
            }

            if (result.GetValue(AppUrl) is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                result.AddError($"--app-url must be an absolute URL such as https://app2.example.net; got '{url}'");
            }

            if (Environment.GetEnvironmentVariable("DAPR_HTTP_PORT") is { Length: > 0 } envPort
                && ParsedValue(result, DaprHttpPort) is null
                && !int.TryParse(envPort, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                result.AddError($"DAPR_HTTP_PORT must be a port number; got '{envPort}'");
            }

            if (ParsedValue(result, GracefulShutdownSeconds) < 0)
            {
                result.AddError("--dapr-graceful-shutdown-seconds may not be negative");
            }

            if (result.GetValue(PeerSecretFile) is { } secretFile && !File.Exists(secretFile))
            {
                result.AddError($"--peer-secret-file: file '{secretFile}' does not exist");
            }
        }

        /// <summary>
        /// The value of an option inside a validator; null when it does not convert, which the parser
        /// reports as an error of its own (GetValue would throw there instead).
        /// </summary>
        private static T? ParsedValue<T>(CommandResult result, Option<T> option)
        {
            try
            {
                return result.GetValue(option);
            }
            catch (InvalidOperationException)
            {
                return default;
            }
        }

        public SatcarOptions ToOptions(ParseResult parse)
        {
            var envPort = Environment.GetEnvironmentVariable("DAPR_HTTP_PORT");
            var maxBodySize = SatcarOptions.DefaultMaxBodySize;
            if (parse.GetValue(MaxBodySize) is { } size && ByteSize.TryParse(size, out var parsed))
            {
                maxBodySize = parsed;
            }
            else if (parse.GetValue(MaxRequestSizeMb) is { } megabytes)
            {
                maxBodySize = megabytes * 1024L * 1024L;
            }

            return new SatcarOptions
            {
                AppId = parse.GetValue(AppId) ?? "",
                AppPort = parse.GetValue(AppPort),
                AppProtocol = parse.GetValue(AppProtocol)!,
                AppChannelAddress = parse.GetValue(AppChannelAddress)!,
                AppUrl = parse.GetValue(AppUrl) is { } url ? new Uri(url, UriKind.Absolute) : null,
                DaprHttpPort = parse.GetValue(DaprHttpPort)
                    ?? (envPort is { Length: > 0 } ? int.Parse(envPort, CultureInfo.InvariantCulture) : 3500),
                DaprGrpcPort = parse.GetValue(DaprGrpcPort),
                DaprInternalGrpcPort = parse.GetValue(DaprInternalGrpcPort),
                ListenAddresses = SplitList(parse.GetValue(ListenAddresses) is { } list ? [list] : []),
                ResourcesPaths = SplitList(parse.GetValue(ResourcesPath) ?? []),
                ConfigFiles = SplitList(parse.GetValue(Config) ?? []),
                LogLevel = ParseLogLevel(parse.GetValue(Level)!)!.Value,
                LogAsJson = parse.GetValue(LogAsJson),
                MaxBodySize = maxBodySize,
                EnableApiLogging = parse.GetValue(EnableApiLogging),
                ApiToken = Environment.GetEnvironmentVariable("DAPR_API_TOKEN"),
                AppApiToken = Environment.GetEnvironmentVariable("APP_API_TOKEN"),
                Namespace = Environment.GetEnvironmentVariable("NAMESPACE") ?? "",
                HostAddress = parse.GetValue(HostAddress) ?? NullIfEmpty(Environment.GetEnvironmentVariable("DAPR_HOST_IP")),
                MetricsPort = parse.GetValue(MetricsPort),
                ProfilePort = parse.GetValue(ProfilePort),
                GracefulShutdown = TimeSpan.FromSeconds(parse.GetValue(GracefulShutdownSeconds)),
                PeerListenAddress = parse.GetValue(PeerListenAddress),
                PeerSecret = parse.GetValue(PeerSecretFile) is { } secretFile
                    ? File.ReadAllText(secretFile).Trim()
                    : NullIfEmpty(Environment.GetEnvironmentVariable("SATCAR_PEER_SECRET")),
                ApiTlsCertFile = parse.GetValue(ApiTlsCertFile),
                ApiTlsKeyFile = parse.GetValue(ApiTlsKeyFile),
                PeerTlsCertFile = parse.GetValue(PeerTlsCertFile),
                PeerTlsKeyFile = parse.GetValue(PeerTlsKeyFile),
                PeerTlsCaFile = parse.GetValue(PeerTlsCaFile),
                PeerTlsSkipVerify = parse.GetValue(PeerTlsSkipVerify),
                AppTlsCaFile = parse.GetValue(AppTlsCaFile),
                AppTlsSkipVerify = parse.GetValue(AppTlsSkipVerify),
                AppHealthCheck = parse.GetValue(AppHealthCheck),
                AppHealthCheckPath = parse.GetValue(AppHealthCheckPath)!,
                AppHealthProbeInterval = TimeSpan.FromSeconds(parse.GetValue(AppHealthProbeInterval)),
                AppHealthProbeTimeout = TimeSpan.FromMilliseconds(parse.GetValue(AppHealthProbeTimeout)),
                AppHealthThreshold = parse.GetValue(AppHealthThreshold),
                HomeDirectory = NullIfEmpty(Environment.GetEnvironmentVariable("SATCAR_HOME"))
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".satcar"),
            };
        }

        private static LogLevel? ParseLogLevel(string text) => text.ToLowerInvariant() switch
        {
            "debug" => LogLevel.Debug,
            "info" => LogLevel.Information,
            "warn" or "warning" => LogLevel.Warning,
            "error" => LogLevel.Error,
            "fatal" => LogLevel.Critical,
            _ => null,
        };

        private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

        // daprd accepts both repeated flags and comma-separated lists.
        private static List<string> SplitList(IEnumerable<string> values) =>
            [.. values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))];
    }
}
