using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Grpc.AspNetCore.Server.Model;
using Satcar.Runtime.Api.Grpc;
using Satcar.Runtime.Api.Http;
using Satcar.Runtime.Api.Peer;
using Satcar.Runtime.AppChannel;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;
using Satcar.Runtime.Health;
using Satcar.Runtime.Invocation;
using Satcar.Runtime.Metadata;
using Satcar.Runtime.NameResolution;
using Satcar.Runtime.PubSub;
using Satcar.Runtime.Resources;
using Satcar.Runtime.Secrets;
using Satcar.Runtime.Security;
using Satcar.Runtime.State;

namespace Satcar.Runtime.Hosting;

/// <summary>
/// A running satcar: options validated, resources loaded, components initialised, the Dapr HTTP API
/// listening. <c>satcar run</c> uses it, and a .NET process can host a satcar in-process with it.
/// </summary>
public sealed partial class SatcarHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SatcarHost(WebApplication app, IReadOnlyList<Uri> httpAddresses, IReadOnlyList<Uri> grpcAddresses)
    {
        _app = app;
        HttpAddresses = httpAddresses;
        GrpcAddresses = grpcAddresses;
    }

    /// <summary>The addresses the Dapr HTTP API listens on (ports resolved when 0 was asked for).</summary>
    public IReadOnlyList<Uri> HttpAddresses { get; }

    /// <summary>The addresses the Dapr gRPC API listens on (HTTP/2 without TLS, as daprd's).</summary>
    public IReadOnlyList<Uri> GrpcAddresses { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Validates, loads and starts; every problem found is reported at once in <see cref="SatcarStartException"/>.</summary>
    /// <param name="options">The satcar's options.</param>
    /// <param name="registry">The component types this satcar can load.</param>
    /// <param name="configureLogging">Adds logging providers (tests use it to capture output); null for the console.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<SatcarHost> StartAsync(
        SatcarOptions options,
        ComponentRegistry registry,
        Action<ILoggingBuilder>? configureLogging = null,
        CancellationToken cancellationToken = default)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new SatcarStartException(errors);
        }

        options.HostAddress ??= HostAddress.For(options.PeerListenAddress);
        if (options.PeersEnabled)
        {
            // The peer port must be known before Configuration files are expanded (${DAPR_PORT}).
            options.DaprInternalGrpcPort ??= FreePort(options.PeerListenAddress);
        }

        if (options.DaprGrpcPort == 0)
        {
            // Known before the server starts, so that requests are told apart by port from the first one.
            options.DaprGrpcPort = FreePort(options.ListenAddresses.Count > 0 ? options.ListenAddresses[0] : null);
        }
        var resources = new ResourceLoader(registry).Load(new ResourceLoadRequest
        {
            ResourcePaths = options.ResourcesPaths,
            ConfigFiles = options.ConfigFiles,
            AppId = options.AppId,
            Namespace = options.Namespace.Length > 0 ? options.Namespace : null,
            Variables = RuntimeVariables(options),
        });
        if (!resources.IsValid)
        {
            throw new SatcarStartException([.. resources.Problems.Select(p => p.ToString())]);
        }

        var certificates = new ServerCertificates(
            LoadCertificate("--api-tls-cert-file", options.ApiTlsCertFile, options.ApiTlsKeyFile),
            LoadCertificate("--peer-tls-cert-file", options.PeerTlsCertFile, options.PeerTlsKeyFile));
        var app = Build(options, registry, resources, certificates, configureLogging);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<SatcarHost>();
        foreach (var note in resources.Notes)
        {
            Log.ResourceNote(logger, note);
        }

        try
        {
            await app.Services.GetRequiredService<ComponentInitializer>()
                .InitializeAsync(resources.Components, options.AppId, options.Namespace, cancellationToken);
            app.Services.GetRequiredService<RuntimeReadiness>().MarkComponentsReady();
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is ComponentInitException or IOException)
        {
            await app.DisposeAsync();
            throw new SatcarStartException([e.Message]);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a.Replace("[::]", "0.0.0.0", StringComparison.Ordinal)))
            .ToList();
        var grpcAddresses = bound.Where(a => a.Port == options.DaprGrpcPort).ToList();
        var addresses = bound.Where(a => a.Port != options.DaprInternalGrpcPort && !grpcAddresses.Contains(a)).ToList();
        foreach (var address in addresses)
        {
            Log.Listening(logger, address);
        }

        foreach (var address in grpcAddresses)
        {
            Log.GrpcListening(logger, address);
        }

        if (options.PeersEnabled)
        {
            Log.PeerListening(logger, options.PeerTls ? "https" : "http", options.PeerListenAddress ?? "0.0.0.0", options.DaprInternalGrpcPort!.Value);
        }

        var directory = app.Services.GetRequiredService<PeerDirectory>();
        try
        {
            await directory.StartAsync(addresses[0].Port, cancellationToken);
            app.Services.GetRequiredService<RuntimeReadiness>().MarkNameResolutionReady();
        }
        catch (NameResolutionConfigurationException e)
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            throw new SatcarStartException([e.Message]);
        }

        // Deregister as soon as the stop begins, before the server drains, so callers move elsewhere.
        app.Lifetime.ApplicationStopping.Register(() => directory.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5)));

        if (string.IsNullOrEmpty(options.ApiToken) && !IsLoopbackOnly(options))
        {
            Log.NoTokenOnNetwork(logger);
        }

        if (!options.ApiTls && !IsLoopbackOnly(options))
        {
            Log.ApiWithoutTls(logger);
        }

        if (options.PeersEnabled && !options.PeerTls && options.PeerListenAddress is not ("localhost" or "127.0.0.1" or "::1"))
        {
            Log.PeersWithoutTls(logger);
        }

        if (options.AppTlsSkipVerify)
        {
            Log.SkipVerify(logger, "--app-tls-skip-verify", "the app");
        }

        if (options.PeerTlsSkipVerify)
        {
            Log.SkipVerify(logger, "--peer-tls-skip-verify", "other satcars");
        }

        Log.Started(logger, options.AppId, MetadataService.RuntimeVersion, resources.Components.Count);
        return new SatcarHost(app, addresses, grpcAddresses);
    }

    /// <summary>Completes when the satcar is asked to stop (Ctrl-C, SIGTERM, or the shutdown API).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>
    /// The values daprd puts in its own environment before it expands Configuration files, so the
    /// seed's <c>${APP_ID}</c>, <c>${APP_PORT}</c>, <c>${HOST_ADDRESS}</c> and friends are filled at start.
    /// </summary>
    public static IReadOnlyDictionary<string, string> RuntimeVariables(SatcarOptions options)
    {
        var invariant = CultureInfo.InvariantCulture;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["APP_ID"] = options.AppId,
            ["APP_PORT"] = (options.AppBaseUri?.Port ?? 0).ToString(invariant),
            ["HOST_ADDRESS"] = options.HostAddress ?? "",
            ["DAPR_PORT"] = options.DaprInternalGrpcPort?.ToString(invariant) ?? "",
            ["DAPR_GRPC_PORT"] = options.DaprGrpcPort.ToString(invariant),
            ["DAPR_HTTP_PORT"] = options.DaprHttpPort.ToString(invariant),
            ["DAPR_METRICS_PORT"] = options.MetricsPort.ToString(invariant),
            ["DAPR_PROFILE_PORT"] = options.ProfilePort.ToString(invariant),
        };
    }

    /// <summary>The certificates the API ports and the peer port serve, loaded once before the server is built.</summary>
    private sealed record ServerCertificates(X509Certificate2? Api, X509Certificate2? Peer);

    /// <summary>A PEM certificate and key for Kestrel; a file that is not one stops the start with the flag named.</summary>
    private static X509Certificate2? LoadCertificate(string flag, string? certFile, string? keyFile)
    {
        if (certFile is null)
        {
            return null;
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            throw new SatcarStartException([$"{flag}: cannot load the certificate and its key: {e.Message}"]);
        }
    }

    private static WebApplication Build(
        SatcarOptions options, ComponentRegistry registry, ResourceSet resources, ServerCertificates certificates, Action<ILoggingBuilder>? configureLogging)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "satcar" });
        builder.WebHost.UseKestrelHttpsConfiguration();
        ConfigureLogging(builder.Logging, options);
        configureLogging?.Invoke(builder.Logging);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The API enforces --max-body-size on body bytes itself; Kestrel's limit, which also counts
            // chunk framing, is only a backstop against bodies far beyond it.
            kestrel.Limits.MaxRequestBodySize = (2 * options.MaxBodySize) + (64 * 1024);
            // daprd's ReadHeaderTimeout.
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            Listen(kestrel, options.ListenAddresses, options.DaprHttpPort, HttpProtocols.Http1AndHttp2, certificates.Api);
            // daprd's gRPC port speaks HTTP/2 without TLS (prior knowledge), which Kestrel serves only on an HTTP/2-only
            // endpoint; with --api-tls-* it is HTTP/2 over TLS.
            Listen(kestrel, options.ListenAddresses, options.DaprGrpcPort, HttpProtocols.Http2, certificates.Api);
            if (options.PeersEnabled)
            {
                ListenPeers(kestrel, options, certificates.Peer);
            }
        });

        var services = builder.Services;
        services.Configure<HostOptions>(o => o.ShutdownTimeout = options.GracefulShutdown);
        services.AddSingleton(options);
        services.AddSingleton(registry);
        services.AddSingleton(resources);
        // Read once; the HTTP and the gRPC head both apply it.
        services.AddSingleton(ApiAllowlist.Read(resources.Configuration?.Spec));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ComponentStore>();
        services.AddSingleton<ComponentInitializer>();
        services.AddSingleton<AppChannel.AppChannel>();
        services.AddSingleton<IAppCallback>(sp => sp.GetRequiredService<AppChannel.AppChannel>().Grpc is not null
            ? ActivatorUtilities.CreateInstance<GrpcAppCallback>(sp)
            : ActivatorUtilities.CreateInstance<HttpAppCallback>(sp));
        services.AddSingleton<AppReadiness>();
        services.AddHostedService(sp => sp.GetRequiredService<AppReadiness>());
        services.AddSingleton<AppHealth>();
        services.AddHostedService(sp => sp.GetRequiredService<AppHealth>());
        services.AddSingleton<RuntimeReadiness>();
        services.AddSingleton<PeerDirectory>();
        services.AddSingleton<PeerForwarder>();
        services.AddSingleton<PeerApi>();
        services.AddSingleton<MetadataService>();
        services.AddSingleton<StateService>();
        services.AddHttpForwarder();
        services.AddSingleton<GrpcAppInvoker>();
        services.AddSingleton<AppForwarder>();
        services.AddSingleton<InvocationService>();
        services.AddSingleton<SecretsService>();
        services.AddSingleton<BindingsService>();
        services.AddSingleton<InputBindingRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<InputBindingRunner>());
        services.AddSingleton<PubSubService>();
        services.AddSingleton<SubscriptionManager>();
        services.AddHostedService(sp => sp.GetRequiredService<SubscriptionManager>());
        services.AddSingleton(new ResourceLoader(registry));
        services.AddSingleton<ResourceWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<ResourceWatcher>());
        services.AddSingleton<StateEndpoints>();
        services.AddSingleton<PublishEndpoints>();
        services.AddSingleton<BindingsEndpoints>();
        services.AddSingleton<SecretsEndpoints>();
        services.AddSingleton<InvokeEndpoints>();
        services.AddSingleton<HealthEndpoints>();
        services.AddSingleton<MetadataEndpoints>();
        services.AddSingleton<HttpApi>();
        services.AddSingleton<RuntimeShutdown>();
        services.AddGrpc(grpc =>
        {
            // daprd applies --max-body-size to gRPC messages too; a larger one is ResourceExhausted.
            grpc.MaxReceiveMessageSize = (int)Math.Min(options.MaxBodySize, int.MaxValue);
            grpc.MaxSendMessageSize = null;
        });
        services.AddSingleton<DaprGrpcApi>();
        services.AddSingleton<IServiceMethodProvider<DaprGrpcApi>, DaprGrpcMethodProvider>();

        var app = builder.Build();
        var api = app.Services.GetRequiredService<HttpApi>();
        var peers = app.Services.GetRequiredService<PeerApi>();
        var peerPort = options.PeersEnabled ? options.DaprInternalGrpcPort : null;
        app.MapWhen(context => context.Connection.LocalPort == peerPort, peer => peer.Run(peers.HandleAsync));
        // The gRPC API: everything on the gRPC port, and gRPC-Web calls on the HTTP port, which is how
        // a link carries gRPC over HTTP/1.1 without a second port to open.
        app.MapWhen(context => context.Connection.LocalPort == options.DaprGrpcPort || DaprGrpcApi.IsGrpcWebCall(context.Request), grpc =>
        {
            grpc.UseRouting();
            grpc.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
            grpc.UseEndpoints(endpoints => endpoints.MapGrpcService<DaprGrpcApi>());
        });
        app.Run(api.HandleAsync);
        return app;
    }

    private static void Listen(KestrelServerOptions kestrel, IReadOnlyList<string> addresses, int port, HttpProtocols protocols, X509Certificate2? certificate)
    {
        Action<ListenOptions> configure = listen =>
        {
            listen.Protocols = protocols;
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        };
        if (addresses.Count == 0)
        {
            kestrel.ListenAnyIP(port, configure);
            return;
        }

        foreach (var address in addresses)
        {
            if (address == "localhost")
            {
                kestrel.ListenLocalhost(port, configure);
            }
            else
            {
                kestrel.Listen(IPAddress.Parse(address.Trim('[', ']')), port, configure);
            }
        }
    }

    private static void ListenPeers(KestrelServerOptions kestrel, SatcarOptions options, X509Certificate2? certificate)
    {
        var port = options.DaprInternalGrpcPort!.Value;
        Action<ListenOptions> configure = listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        };
        switch (options.PeerListenAddress)
        {
            case null or "":
                kestrel.ListenAnyIP(port, configure);
                break;
            case "localhost":
                kestrel.ListenLocalhost(port, configure);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(options.PeerListenAddress.Trim('[', ']')), port, configure);
                break;
        }
    }

    private static int FreePort(string? address)
    {
        var ip = address is null or "" or "localhost" ? IPAddress.Loopback : IPAddress.Parse(address.Trim('[', ']'));
        using var listener = new TcpListener(ip, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsLoopbackOnly(SatcarOptions options) =>
        options.ListenAddresses.Count > 0
        && options.ListenAddresses.All(a => a == "localhost" || IPAddress.IsLoopback(IPAddress.Parse(a.Trim('[', ']'))));

    private static void ConfigureLogging(ILoggingBuilder logging, SatcarOptions options)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(options.LogLevel);
        // ASP.NET Core's, YARP's and gRPC's own chatter (such as a line per forwarded request) only when debugging.
        var frameworks = options.LogLevel <= LogLevel.Debug ? options.LogLevel : LogLevel.Warning;
        logging.AddFilter("Microsoft", frameworks);
        logging.AddFilter("Yarp", frameworks);
        logging.AddFilter("Grpc", frameworks);
        if (options.LogAsJson)
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Dapr HTTP API listening on {Address}")]
        public static partial void Listening(ILogger logger, Uri address);

        [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Dapr gRPC API listening on {Address} (HTTP/2; gRPC-Web also on the HTTP port)")]
        public static partial void GrpcListening(ILogger logger, Uri address);

        [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "satcar {AppId} started (runtime {Version}, {ComponentCount} components)")]
        public static partial void Started(ILogger logger, string appId, string version, int componentCount);

        [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "The API listens beyond loopback without TLS: the API token and all API traffic cross the network in clear; use --api-tls-cert-file and --api-tls-key-file")]
        public static partial void ApiWithoutTls(ILogger logger);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "The API listens beyond loopback and DAPR_API_TOKEN is not set: anyone who can reach this port can use it")]
        public static partial void NoTokenOnNetwork(ILogger logger);

        [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Peer port listening on {Scheme}://{Address}:{Port} (HTTP/1.1)")]
        public static partial void PeerListening(ILogger logger, string scheme, string address, int port);

        [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "The peer port has no TLS: the peer secret and all peer traffic cross the network in clear; use --peer-tls-cert-file and --peer-tls-key-file")]
        public static partial void PeersWithoutTls(ILogger logger);

        [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "{Flag} is set: the certificates of {Whom} are not verified")]
        public static partial void SkipVerify(ILogger logger, string flag, string whom);

        [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "{Note}")]
        public static partial void ResourceNote(ILogger logger, string note);
    }
}

/// <summary>The satcar could not start; <see cref="Problems"/> lists every reason, each naming its flag, file or component.</summary>
public sealed class SatcarStartException(IReadOnlyList<string> problems) : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
