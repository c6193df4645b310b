using Microsoft.Extensions.Logging;
using Satcar.Runtime.AppChannel;
using Satcar.Runtime.Components;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.Resources;

namespace Satcar.Runtime.NameResolution;

/// <summary>
/// The satcar's name resolver: the one the Configuration names in <c>spec.nameResolution</c>, or the
/// embedded default, <c>sqlite</c> in <c>SATCAR_HOME</c>. It starts once the peer port listens (so a
/// registration never points at a port that does not answer) and deregisters as soon as the satcar
/// begins to stop. Without a peer secret there are no peer calls, so there is no resolver either.
/// </summary>
public sealed partial class PeerDirectory(
    ComponentRegistry registry,
    ResourceSet resources,
    SatcarOptions options,
    AppHealth appHealth,
    ILoggerFactory loggerFactory,
    TimeProvider timeProvider) : IAsyncDisposable
{
    /// <summary>The resolver used when the Configuration names none.</summary>
    public const string DefaultResolver = "sqlite";

    private readonly ILogger _logger = loggerFactory.CreateLogger<PeerDirectory>();
    private INameResolver? _resolver;
    private int _disposed;

    /// <summary>The resolver's name, once started.</summary>
    public string? ResolverName { get; private set; }

    /// <summary>Creates and starts the resolver; a configuration error stops the satcar's start.</summary>
    public async Task StartAsync(int daprHttpPort, CancellationToken cancellationToken)
    {
        if (!options.PeersEnabled)
        {
            Log.PeersDisabled(_logger);
            return;
        }

        var spec = resources.Configuration?.NameResolution;
        var name = spec?.Component ?? DefaultResolver;
        if (!registry.TryCreateNameResolver(name, out var resolver))
        {
            throw new NameResolutionConfigurationException(
                $"spec.nameResolution.component: unknown name resolver '{name}'; known: {string.Join(", ", registry.KnownNameResolvers)}");
        }

        await resolver.InitAsync(new NameResolutionContext
        {
            AppId = options.AppId,
            Namespace = options.Namespace,
            HostAddress = options.HostAddress!,
            PeerPort = options.DaprInternalGrpcPort!.Value,
            DaprHttpPort = daprHttpPort,
            AppPort = options.AppBaseUri?.Port,
            AppHealthCheckEnabled = appHealth.Enabled,
            AppHealthProbeInterval = options.AppHealthProbeInterval,
            Configuration = spec?.Configuration.DeepClone().AsObject() ?? [],
            HomeDirectory = options.HomeDirectory,
            Logger = loggerFactory.CreateLogger($"Satcar.NameResolution.{name}"),
            TimeProvider = timeProvider,
        }, cancellationToken);

        if (resolver is IAppHealthPublisher publisher && appHealth.Enabled)
        {
            appHealth.Subscribe(publisher.PublishAppHealthAsync);
        }

        _resolver = resolver;
        ResolverName = name;
        Log.Started(_logger, name, options.HostAddress!, options.DaprInternalGrpcPort!.Value);
    }

    /// <summary>The healthy instances of an app; throws <see cref="NameResolutionException"/> when there is no resolver or it cannot answer.</summary>
    public Task<IReadOnlyList<PeerEndpoint>> ResolveAsync(string appId, string @namespace, CancellationToken cancellationToken) =>
        _resolver is { } resolver
            ? resolver.ResolveAsync(appId, @namespace, cancellationToken)
            : throw new NameResolutionException(options.PeersEnabled
                ? "name resolution has not started"
                : "peer calls are off: set SATCAR_PEER_SECRET or --peer-secret-file on every satcar");

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _resolver is not null)
        {
            await _resolver.DisposeAsync();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Name resolution {Resolver} started; this satcar is reachable at {HostAddress}:{PeerPort}")]
        public static partial void Started(ILogger logger, string resolver, string hostAddress, int peerPort);

        [LoggerMessage(EventId = 1701, Level = LogLevel.Information, Message = "No peer secret (SATCAR_PEER_SECRET or --peer-secret-file): this satcar neither calls nor accepts other satcars")]
        public static partial void PeersDisabled(ILogger logger);
    }
}
