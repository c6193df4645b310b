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

    /// <summary><c>--app-protocol</c>: <c>http</c> or <c>https</c>.</summary>
    public string AppProtocol { get; set; } = "http";

    /// <summary><c>--app-channel-address</c>: the host the satcar reaches the app on.</summary>
    public string AppChannelAddress { get; set; } = "127.0.0.1";

    /// <summary><c>--app-url</c>: a full base URL of an app on another host (the satellite case).</summary>
    public Uri? AppUrl { get; set; }

    /// <summary><c>--dapr-http-port</c> (or <c>DAPR_HTTP_PORT</c>).</summary>
    public int DaprHttpPort { get; set; } = 3500;

    /// <summary><c>--dapr-grpc-port</c>: reserved for the gRPC API.</summary>
    public int DaprGrpcPort { get; set; } = 50001;

    /// <summary><c>--dapr-internal-grpc-port</c>: the port other satcars call this one on.</summary>
    public int? DaprInternalGrpcPort { get; set; }

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

        if (AppProtocol is not ("http" or "https"))
        {
            errors.Add(AppProtocol is "grpc" or "grpcs" or "h2c"
                ? $"--app-protocol {AppProtocol} is not supported yet; use http or https"
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

    private static void CheckPort(List<string> errors, string flag, int? port, bool allowZero)
    {
        if (port is { } value && (value < (allowZero ? 0 : 1) || value > 65535))
        {
            errors.Add($"{flag} must be a port number between {(allowZero ? 0 : 1)} and 65535; got {value}");
        }
    }
}
