using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Satcar.Runtime.NameResolution;

namespace Satcar.Components.NameResolution.Consul;

/// <summary>What this satcar registers in Consul, and the IDs it later updates and deregisters.</summary>
internal sealed record ConsulRegistration
{
    public const string DaprHealthCheckName = "Dapr Health Status";
    public const string AppHealthCheckName = "App Health Status";

    /// <summary>The smallest TTL an app-health check gets, whatever the probe interval.</summary>
    public static readonly TimeSpan MinimumAppHealthTtl = TimeSpan.FromSeconds(10);

    /// <summary>The <c>AgentServiceRegistration</c> body, in the Go SDK's wire shape.</summary>
    public required JsonObject Body { get; init; }

    /// <summary>The service ID Consul keeps: the registration's ID, or its name when it has none (Consul's default).</summary>
    public required string ServiceId { get; init; }

    public required string ServiceName { get; init; }

    /// <summary>The TTL check that carries the app's health, or null when app health checks are off.</summary>
    public string? AppHealthCheckId { get; init; }

    /// <summary>True when the peer port is registered as the service port because the satcar has no app port.</summary>
    public bool PortFallsBackToPeerPort { get; init; }

    /// <summary>
    /// Builds the registration: <c>advancedRegistration</c> as given, else the generated one when
    /// <c>selfRegister</c> is set (components-contrib <c>getRegistrationConfig</c>), else null.
    /// </summary>
    public static ConsulRegistration? Create(ConsulOptions options, NameResolutionContext context)
    {
        var portFallback = false;
        JsonObject body;
        if (options.AdvancedRegistration is { } advanced)
        {
            body = (JsonObject)advanced.DeepClone();
        }
        else if (options.SelfRegister)
        {
            body = Generated(options, context, out portFallback);
        }
        else
        {
            return null;
        }

        // Dapr overwrites the port meta key whatever the user put there: it is what callers dial.
        if (body["Meta"] is not JsonObject meta)
        {
            meta = [];
            InsertBefore(body, "Meta", meta, "Weights", "Check");
        }

        meta[options.DaprPortMetaKey] = context.PeerPort.ToString(CultureInfo.InvariantCulture);

        var name = (string)body["Name"]!;
        var serviceId = body["ID"] is JsonValue id && id.GetValue<string>() is { Length: > 0 } text ? text : name;
        string? appHealthCheckId = null;
        if (context.AppHealthCheckEnabled)
        {
            appHealthCheckId = $"appHealth:{serviceId}";
            if (body["Checks"] is not JsonArray checks)
            {
                checks = [];
                body["Checks"] = checks;
            }

            checks.Add((JsonNode)AppHealthCheck(appHealthCheckId, context.AppHealthProbeInterval));
        }

        return new ConsulRegistration
        {
            Body = body,
            ServiceId = serviceId,
            ServiceName = name,
            AppHealthCheckId = appHealthCheckId,
            PortFallsBackToPeerPort = portFallback,
        };
    }

    /// <summary>The TTL an app-health check gets: three missed probes, and never under 10 s.</summary>
    public static TimeSpan AppHealthTtl(TimeSpan probeInterval)
    {
        var ttl = probeInterval * 3;
        return ttl < MinimumAppHealthTtl ? MinimumAppHealthTtl : ttl;
    }

    private static JsonObject AppHealthCheck(string checkId, TimeSpan probeInterval) => new()
    {
        ["CheckID"] = checkId,
        ["Name"] = AppHealthCheckName,
        ["TTL"] = ConsulDuration.Format(AppHealthTtl(probeInterval)),
        // Critical until the first report, so an app that never answers is never served.
        ["Status"] = "critical",
        ["Notes"] = "The app's health as probed by its satcar; refreshed by the satcar, critical when the app fails its probe.",
        // No DeregisterCriticalServiceAfter here: a long app outage must not delete the satcar's registration.
    };

    private static JsonObject Generated(ConsulOptions options, NameResolutionContext context, out bool portFallback)
    {
        var host = context.HostAddress;
        var id = $"{context.AppId}-{host}-{context.DaprHttpPort.ToString(CultureInfo.InvariantCulture)}";

        // daprd refuses to self-register without an app port; a satcar without an app still has a peer port worth finding.
        portFallback = context.AppPort is not > 0;
        var port = context.AppPort is { } appPort and > 0 ? appPort : context.PeerPort;

        var body = new JsonObject
        {
            ["ID"] = id,
            ["Name"] = context.AppId,
        };
        if (options.Tags.Count > 0)
        {
            body["Tags"] = new JsonArray([.. options.Tags.Select(t => (JsonNode?)JsonValue.Create(t))]);
        }

        body["Port"] = port;
        body["Address"] = host;
        body["Meta"] = ConsulWireJson.ToJson(options.Meta);
        body["Check"] = null;
        body["Checks"] = options.Checks.Count > 0
            ? (JsonArray)options.Checks.DeepClone()
            : new JsonArray(DefaultCheck(id, host, context.DaprHttpPort, context.AppId));
        return body;
    }

    /// <summary>
    /// Dapr's default check on the satcar's own healthz, with <c>?appid=</c> so a reused address that
    /// now serves another app goes critical. It adds <c>DeregisterCriticalServiceAfter</c>, which Dapr
    /// does not set, so a killed satcar is reaped instead of lingering critical forever.
    /// </summary>
    private static JsonObject DefaultCheck(string serviceId, string host, int daprHttpPort, string appId) => new()
    {
        ["CheckID"] = $"daprHealth:{serviceId}",
        ["Name"] = DaprHealthCheckName,
        ["Interval"] = "15s",
        ["HTTP"] = $"http://{HostForUrl(host)}:{daprHttpPort.ToString(CultureInfo.InvariantCulture)}/v1.0/healthz?appid={Uri.EscapeDataString(appId)}",
        ["DeregisterCriticalServiceAfter"] = "1m",
    };

    private static string HostForUrl(string host) =>
        IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]" : host;

    private static void InsertBefore(JsonObject body, string key, JsonNode value, params string[] before)
    {
        var index = body.Count;
        foreach (var anchor in before)
        {
            var at = body.IndexOf(anchor);
            if (at >= 0)
            {
                index = Math.Min(index, at);
            }
        }

        body.Insert(index, key, value);
    }
}
