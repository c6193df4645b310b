using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Satcar.Runtime.Hosting;

/// <summary>
/// Everything <c>satcar run</c> is told: daprd's flags and environment variables, bound once and
/// validated at start by <see cref="Validate"/>, which names the flag in every error.
/// </summary>
public sealed class SatcarOptions
{
    /// <summary>daprd's default for <c>--max-body-size</c> (4Mi).</summary>
    public const long DefaultMaxBodySize = 4L * 1024 * 1024;

    /// <summary><c>--app-id</c>: the app's identity (state key prefix, invocation target).</summary>
    public string AppId { get; set; } = "";

    /// <summary><c>--app-port</c>: the port the app listens on; null when there is no app.</summary>
    public int? AppPort { get; set; }

    /// <summary>
    /// <c>--app-protocol</c>: <c>http</c> or <c>https</c>, or <c>grpc</c> (HTTP/2 without TLS) or <c>grpcs</c>
    /// (HTTP/2 over TLS) for an app that serves Dapr's <c>AppCallback</c> service.
    /// </summary>
    public string AppProtocol { get; set; } = "http";

    /// <summary>True when the app is called through Dapr's gRPC <c>AppCallback</c> service.</summary>
    public bool AppIsGrpc => AppProtocol is "grpc" or "grpcs";

    /// <summary><c>--app-channel-address</c>: the host the satcar reaches the app on.</summary>
    public string AppChannelAddress { get; set; } = "127.0.0.1";

    /// <summary><c>--app-url</c>: a full base URL of an app on another host (the satellite case).</summary>
    public Uri? AppUrl { get; set; }

    /// <summary><c>--dapr-http-port</c> (or <c>DAPR_HTTP_PORT</c>).</summary>
    public int DaprHttpPort { get; set; } = 3500;

    /// <summary><c>--dapr-grpc-port</c>: the Dapr gRPC API (HTTP/2 without TLS); 0 picks a free port.</summary>
    public int DaprGrpcPort { get; set; } = 50001;

    /// <summary>
    /// <c>--dapr-internal-grpc-port</c>: the peer port, which other satcars call this one on (daprd's
    /// name for its sidecar-to-sidecar port; satcar serves HTTP/1.1 there). A free port is picked when
    /// it is not given.
    /// </summary>
    public int? DaprInternalGrpcPort { get; set; }

    /// <summary><c>--dapr-internal-grpc-listen-address</c>: the address the peer port binds to; empty binds every interface.</summary>
    public string? PeerListenAddress { get; set; }

    /// <summary>
    /// The shared peer secret (<c>SATCAR_PEER_SECRET</c> or <c>--peer-secret-file</c>). Peer calls carry
    /// it and are refused without it; with no secret this satcar neither makes nor accepts peer calls.
    /// </summary>
    public string? PeerSecret { get; set; }

    /// <summary>
    /// <c>--api-tls-cert-file</c> and <c>--api-tls-key-file</c> (PEM): serve the Dapr HTTP and gRPC API ports over TLS, so a
    /// link or an app on another host reaches the satcar over https and the API token does not cross the network in
    /// clear. satcar's own: daprd's API is meant for localhost and has no TLS.
    /// </summary>
    public string? ApiTlsCertFile { get; set; }

    public string? ApiTlsKeyFile { get; set; }

    /// <summary><c>--peer-tls-cert-file</c> and <c>--peer-tls-key-file</c> (PEM): serve the peer port over TLS and call peers over https.</summary>
    public string? PeerTlsCertFile { get; set; }

    public string? PeerTlsKeyFile { get; set; }

    /// <summary><c>--peer-tls-ca-file</c>: a PEM CA that peer certificates are checked against instead of the system store.</summary>
    public string? PeerTlsCaFile { get; set; }

    /// <summary><c>--peer-tls-skip-verify</c>: accept any peer certificate (explicitly insecure).</summary>
    public bool PeerTlsSkipVerify { get; set; }

    /// <summary><c>--app-tls-ca-file</c>: a PEM CA that the app's certificate is checked against instead of the system store.</summary>
    public string? AppTlsCaFile { get; set; }

    /// <summary><c>--app-tls-skip-verify</c>: accept any app certificate (explicitly insecure).</summary>
    public bool AppTlsSkipVerify { get; set; }

    /// <summary><c>--enable-app-health-check</c>.</summary>
    public bool AppHealthCheck { get; set; }

    /// <summary><c>--app-health-check-path</c>.</summary>
    public string AppHealthCheckPath { get; set; } = "/healthz";

    /// <summary><c>--app-health-probe-interval</c> (daprd takes whole seconds).</summary>
    public TimeSpan AppHealthProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>--app-health-probe-timeout</c> (daprd takes milliseconds).</summary>
    public TimeSpan AppHealthProbeTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary><c>--app-health-threshold</c>: consecutive failed probes before the app counts as unhealthy.</summary>
    public int AppHealthThreshold { get; set; } = 3;

    /// <summary><c>SATCAR_HOME</c>: where host-local files live (the default name-resolution database); <c>~/.satcar</c> by default.</summary>
    public string HomeDirectory { get; set; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".satcar");

    /// <summary>True when peer calls are possible: a peer secret is configured.</summary>
    public bool PeersEnabled => !string.IsNullOrEmpty(PeerSecret);

    /// <summary>True when the peer port serves TLS (and peers are called over https).</summary>
    public bool PeerTls => PeerTlsCertFile is not null;

    public bool ApiTls => ApiTlsCertFile is not null;

    /// <summary><c>--dapr-listen-addresses</c>: addresses the API binds to; empty binds every interface, as daprd does.</summary>
    public IReadOnlyList<string> ListenAddresses { get; set; } = [];

    /// <summary><c>--resources-path</c> (and <c>--components-path</c>): folders of resource YAML.</summary>
    public IReadOnlyList<string> ResourcesPaths { get; set; } = [];

    /// <summary><c>--config</c>: Configuration files.</summary>
    public IReadOnlyList<string> ConfigFiles { get; set; } = [];

    /// <summary><c>--log-level</c>.</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Information;

    /// <summary><c>--log-as-json</c>.</summary>
    public bool LogAsJson { get; set; }

    /// <summary><c>--max-body-size</c> in bytes.</summary>
    public long MaxBodySize { get; set; } = DefaultMaxBodySize;

    /// <summary><c>--enable-api-logging</c>; null leaves it to the Configuration's <c>spec.logging.apiLogging</c>.</summary>
    public bool? EnableApiLogging { get; set; }

    /// <summary><c>DAPR_API_TOKEN</c>: when set, every API call but the health checks must carry it.</summary>
    public string? ApiToken { get; set; }

    /// <summary><c>APP_API_TOKEN</c>: sent to the app on every call the satcar makes to it.</summary>
    public string? AppApiToken { get; set; }

    /// <summary><c>NAMESPACE</c>.</summary>
    public string Namespace { get; set; } = "";

    /// <summary><c>--host-address</c> or <c>DAPR_HOST_IP</c>: the address other satcars reach this one on.</summary>
    public string? HostAddress { get; set; }

    /// <summary><c>--metrics-port</c> (only reported to Configuration placeholders for now).</summary>
    public int MetricsPort { get; set; } = 9090;

    /// <summary><c>--profile-port</c> (only reported to Configuration placeholders).</summary>
    public int ProfilePort { get; set; } = 7777;

    /// <summary><c>--dapr-graceful-shutdown-seconds</c>.</summary>
    public TimeSpan GracefulShutdown { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The app's base URL, from <see cref="AppUrl"/> or the channel address and port; null without an app.</summary>
    public Uri? AppBaseUri
    {
        get
        {
            if (AppUrl is not null)
            {
                return AppUrl;
            }

            if (AppPort is not { } port)
            {
                return null;
            }

            var host = IPAddress.TryParse(AppChannelAddress, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
                ? $"[{AppChannelAddress}]"
                : AppChannelAddress;
            return new Uri($"{AppProtocol}://{host}:{port}");
        }
    }

    /// <summary>Every problem with these options, each naming its flag; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(AppId))
        {
            errors.Add("--app-id is required");
        }
        else if (AppId.Contains(StateSeparator, StringComparison.Ordinal) || AppId.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '\\'))
        {
            errors.Add($"--app-id '{AppId}' may not contain '/', '\\', '||', whitespace or control characters");
        }

        CheckPort(errors, "--app-port", AppPort, allowZero: false);
        CheckPort(errors, "--dapr-http-port", DaprHttpPort, allowZero: true);
        CheckPort(errors, "--dapr-grpc-port", DaprGrpcPort, allowZero: true);
        CheckPort(errors, "--dapr-internal-grpc-port", DaprInternalGrpcPort, allowZero: true);
        CheckPort(errors, "--metrics-port", MetricsPort, allowZero: true);
        CheckPort(errors, "--profile-port", ProfilePort, allowZero: true);

        if (AppProtocol is not ("http" or "https" or "grpc" or "grpcs"))
        {
            errors.Add(AppProtocol is "h2c"
                ? "--app-protocol h2c (HTTP/2 without TLS to an HTTP app) is not supported; use http, https, grpc or grpcs"
                : $"--app-protocol must be one of http, https, grpc, grpcs, h2c; got '{AppProtocol}'");
        }

        if (AppUrl is not null)
        {
            if (!AppUrl.IsAbsoluteUri || AppUrl.Scheme is not ("http" or "https") || string.IsNullOrEmpty(AppUrl.Host))
            {
                errors.Add($"--app-url must be an absolute http:// or https:// URL; got '{AppUrl.OriginalString}'");
            }
            else if (!string.IsNullOrEmpty(AppUrl.Query) || !string.IsNullOrEmpty(AppUrl.Fragment) || !string.IsNullOrEmpty(AppUrl.UserInfo))
            {
                errors.Add("--app-url may not carry a query, fragment or user information");
            }

            if (AppPort is not null)
            {
                errors.Add("--app-url and --app-port cannot be used together; put the port in the URL");
            }

            // A gRPC app is reached at the URL's authority; the scheme says whether TLS is used, as the protocol does.
            if (AppIsGrpc && AppUrl.IsAbsoluteUri)
            {
                var scheme = AppProtocol == "grpcs" ? "https" : "http";
                if (AppUrl.Scheme != scheme)
                {
                    errors.Add($"--app-url must be an {scheme}:// URL with --app-protocol {AppProtocol}; got '{AppUrl.OriginalString}'");
                }
                else if (AppUrl.AbsolutePath != "/")
                {
                    errors.Add($"--app-url may not carry a path with --app-protocol {AppProtocol}: gRPC methods have fixed paths");
                }
            }
        }

        if (string.IsNullOrWhiteSpace(AppChannelAddress))
        {
            errors.Add("--app-channel-address may not be empty");
        }

        foreach (var address in ListenAddresses)
        {
            if (address != "localhost" && !IPAddress.TryParse(address.Trim('[', ']'), out _))
            {
                errors.Add($"--dapr-listen-addresses: '{address}' is not an IP address or 'localhost'");
            }
        }

        if (PeerListenAddress is { Length: > 0 } peerAddress && peerAddress != "localhost" && !IPAddress.TryParse(peerAddress.Trim('[', ']'), out _))
        {
            errors.Add($"--dapr-internal-grpc-listen-address: '{peerAddress}' is not an IP address or 'localhost'");
        }

        if (DaprInternalGrpcPort is { } peerPort and > 0 && peerPort == DaprHttpPort)
        {
            errors.Add("--dapr-internal-grpc-port must differ from --dapr-http-port");
        }

        if (DaprGrpcPort > 0 && (DaprGrpcPort == DaprHttpPort || DaprGrpcPort == DaprInternalGrpcPort))
        {
            errors.Add("--dapr-grpc-port must differ from --dapr-http-port and --dapr-internal-grpc-port");
        }

        if ((PeerTlsCertFile is null) != (PeerTlsKeyFile is null))
        {
            errors.Add("--peer-tls-cert-file and --peer-tls-key-file go together");
        }

        if ((ApiTlsCertFile is null) != (ApiTlsKeyFile is null))
        {
            errors.Add("--api-tls-cert-file and --api-tls-key-file go together");
        }

        CheckFile(errors, "--api-tls-cert-file", ApiTlsCertFile);
        CheckFile(errors, "--api-tls-key-file", ApiTlsKeyFile);
        CheckFile(errors, "--peer-tls-cert-file", PeerTlsCertFile);
        CheckFile(errors, "--peer-tls-key-file", PeerTlsKeyFile);
        CheckFile(errors, "--peer-tls-ca-file", PeerTlsCaFile);
        CheckFile(errors, "--app-tls-ca-file", AppTlsCaFile);
        if (PeerSecret is { Length: > 0 and < 16 })
        {
            errors.Add("the peer secret (SATCAR_PEER_SECRET or --peer-secret-file) must be at least 16 characters");
        }

        if (!AppHealthCheckPath.StartsWith('/'))
        {
            errors.Add($"--app-health-check-path must start with '/'; got '{AppHealthCheckPath}'");
        }

        if (AppHealthProbeInterval <= TimeSpan.Zero)
        {
            errors.Add("--app-health-probe-interval must be at least 1 second");
        }

        if (AppHealthProbeTimeout <= TimeSpan.Zero)
        {
            errors.Add("--app-health-probe-timeout must be at least 1 millisecond");
        }

        if (AppHealthThreshold < 1)
        {
            errors.Add("--app-health-threshold must be at least 1");
        }

        if (MaxBodySize <= 0)
        {
            errors.Add("--max-body-size must be greater than zero");
        }

        if (GracefulShutdown < TimeSpan.Zero)
        {
            errors.Add("--dapr-graceful-shutdown-seconds may not be negative");
        }

        return errors;
    }

    private const string StateSeparator = "||";

    private static void CheckFile(List<string> errors, string flag, string? path)
    {
        if (path is not null && !File.Exists(path))
        {
            errors.Add($"{flag}: file '{path}' does not exist");
        }
    }

    private static void CheckPort(List<string> errors, string flag, int? port, bool allowZero)
    {
        if (port is { } value && (value < (allowZero ? 0 : 1) || value > 65535))
        {
            errors.Add($"{flag} must be a port number between {(allowZero ? 0 : 1)} and 65535; got {value}");
        }
    }
}
