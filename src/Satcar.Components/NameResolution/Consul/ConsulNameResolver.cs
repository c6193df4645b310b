using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Satcar.Runtime.NameResolution;

namespace Satcar.Components.NameResolution.Consul;

/// <summary>
/// <c>nameresolution.consul</c> (also <c>hashicorp.consul</c>): finds satcars through Consul and
/// registers this one, with the configuration of components-contrib's resolver
/// (docs/components/nameresolution.consul.md). Where it differs from Dapr it fixes what Dapr users
/// hit: registration is retried in the background when Consul is down at start, the registration is
/// removed on shutdown, and instances whose service or node checks fail are never served.
/// </summary>
internal sealed class ConsulNameResolver : INameResolver, IAppHealthPublisher
{
    private readonly ConsulTimings _timings;
    private readonly Func<string, string?> _environment;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _publishGate = new(1, 1);
    private readonly Lock _appHealthGate = new();

    private NameResolutionContext? _context;
    private ConsulOptions? _options;
    private ConsulHttpClient? _client;
    private ConsulRegistration? _registration;
    private ConsulServiceCache? _cache;
    private ILogger _logger = NullLogger.Instance;
    private Task? _registrationLoop;
    private (bool Healthy, string Output)? _appHealth;
    private volatile bool _registered;
    private volatile bool _registrationSent;
    private int _aclWarned;
    private int _disposed;

    /// <summary>A resolver that reads the Consul SDK's environment variables (<c>CONSUL_HTTP_ADDR</c>, …).</summary>
    public ConsulNameResolver()
        : this(ConsulTimings.Default, Environment.GetEnvironmentVariable)
    {
    }

    internal ConsulNameResolver(ConsulTimings timings, Func<string, string?> environment)
    {
        _timings = timings;
        _environment = environment;
    }

    /// <summary>
    /// Reads a configuration as <see cref="InitAsync"/> does, certificates included, and throws
    /// <see cref="NameResolutionConfigurationException"/> naming what is wrong; contacts nobody.
    /// </summary>
    public static void Validate(JsonObject configuration)
    {
        var options = ConsulOptions.Read(configuration, Environment.GetEnvironmentVariable, warnings: []);
        CreateClient(options.Client).Dispose();
    }

    /// <summary>The app ids whose healthy instances are cached, for tests.</summary>
    internal IReadOnlyCollection<string> CachedAppIds => _cache?.WatchedAppIds ?? [];

    /// <summary>True once Consul accepted this satcar's registration.</summary>
    internal bool IsRegistered => _registered;

    public async Task InitAsync(NameResolutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_context is not null)
        {
            throw new InvalidOperationException("the Consul name resolver is already initialised");
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (string.IsNullOrWhiteSpace(context.AppId))
        {
            throw new NameResolutionConfigurationException("nameresolution.consul: the app id (--app-id) is required");
        }

        if (context.PeerPort is < 1 or > 65535)
        {
            throw new NameResolutionConfigurationException(
                $"nameresolution.consul: the peer port (--dapr-internal-grpc-port) must be from 1 to 65535, got {context.PeerPort}; it is what other satcars dial");
        }

        var warnings = new List<string>();
        var options = ConsulOptions.Read(context.Configuration, _environment, warnings);
        if (options.SelfRegister && options.AdvancedRegistration is null && string.IsNullOrWhiteSpace(context.HostAddress))
        {
            throw new NameResolutionConfigurationException(
                $"{ConfigSection.RootPath}.selfRegister: the host address (--host-address or DAPR_HOST_IP) is required to register this satcar");
        }

        _logger = context.Logger;
        foreach (var warning in warnings)
        {
            ConsulLog.ConfigurationWarning(_logger, warning);
        }

        var client = CreateClient(options.Client);
        _options = options;
        _client = client;
        _registration = ConsulRegistration.Create(options, context);
        _context = context;
        if (options.UseCache)
        {
            _cache = new ConsulServiceCache(client, options, Parse, _timings, context.TimeProvider, _logger);
        }

        ConsulLog.Ready(_logger, client.Address, _registration is null ? "none" : _registration.ServiceId, options.UseCache);
        if (_registration is null)
        {
            return;
        }

        if (_registration.PortFallsBackToPeerPort)
        {
            ConsulLog.PortFallsBackToPeerPort(_logger, _registration.ServiceId, context.PeerPort);
        }

        // Consul being down must not stop the satcar (dapr/dapr#8866): the first attempt gets a short
        // while to finish here, then registration carries on in the background until it succeeds.
        _registrationLoop = Task.Run(RegisterUntilDoneAsync, CancellationToken.None);
        try
        {
            await _firstAttempt.Task.WaitAsync(_timings.InitialRegistrationWait, context.TimeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Still trying; the background loop logs the outcome.
        }
    }

    public async Task<IReadOnlyList<PeerEndpoint>> ResolveAsync(string appId, string @namespace, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var client = _client ?? throw new InvalidOperationException("the Consul name resolver is not initialised");

        // Dapr's Consul resolver has no namespaces; app ids are unique per Consul datacenter.
        if (_cache is not null && _cache.TryGet(appId, out var cached))
        {
            return cached;
        }

        ConsulHealthResult result;
        try
        {
            result = await client.HealthyInstancesAsync(appId, _options!.Query, agentCache: true, 0, null, _timings.RequestTimeout, cancellationToken);
        }
        catch (ConsulRequestException e)
        {
            _cache?.InvalidateAll();
            throw new NameResolutionException($"nameresolution.consul: cannot resolve app id '{appId}': {e.Message}", e);
        }

        return Parse(result, appId);
    }

    public async Task PublishAppHealthAsync(bool healthy, string output, CancellationToken cancellationToken)
    {
        if (_registration?.AppHealthCheckId is not { } checkId || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        lock (_appHealthGate)
        {
            _appHealth = (healthy, output ?? "");
        }

        if (!_registered)
        {
            // The check does not exist in Consul yet; the registration loop publishes the latest state when it does.
            ConsulLog.AppHealthDeferred(_logger, checkId);
            return;
        }

        await PublishLatestAppHealthAsync(checkId, cancellationToken);
    }

    private async Task PublishLatestAppHealthAsync(string checkId, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        try
        {
            await _publishGate.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return;
        }

        try
        {
            (bool Healthy, string Output) latest;
            lock (_appHealthGate)
            {
                if (_appHealth is null)
                {
                    return;
                }

                latest = _appHealth.Value;
            }

            var status = latest.Healthy ? "passing" : "critical";
            await _client!.UpdateCheckAsync(checkId, status, latest.Output, _timings.RequestTimeout, linked.Token);
            ConsulLog.AppHealthPublished(_logger, checkId, status);
        }
        catch (ConsulRequestException e)
        {
            ConsulLog.AppHealthPublishFailed(_logger, checkId, e.Message);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            _publishGate.Release();
        }
    }

    private async Task RegisterUntilDoneAsync()
    {
        var registration = _registration!;
        var stopping = _lifetime.Token;
        var delay = _timings.RegistrationBackoffInitial;
        for (var attempt = 1; !stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                _registrationSent = true;
                await _client!.RegisterAsync(registration.Body, _timings.RequestTimeout, stopping);
                _registered = true;
                ConsulLog.Registered(_logger, registration.ServiceId, registration.ServiceName, _client.Address, attempt);
                _firstAttempt.TrySetResult();
                if (registration.AppHealthCheckId is { } checkId)
                {
                    await PublishLatestAppHealthAsync(checkId, CancellationToken.None);
                }

                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ConsulLog.RegistrationFailed(_logger, registration.ServiceId, attempt, e.Message, delay);
                _firstAttempt.TrySetResult();
            }

            try
            {
                await Task.Delay(delay, _context!.TimeProvider, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _timings.RegistrationBackoffMax.Ticks));
        }

        _firstAttempt.TrySetResult();
    }

    private IReadOnlyList<PeerEndpoint> Parse(ConsulHealthResult result, string appId)
    {
        var metaKey = _options!.DaprPortMetaKey;
        var instances = new List<PeerEndpoint>(result.Entries.Count);
        foreach (var entry in result.Entries.OfType<JsonObject>())
        {
            var service = entry["Service"] as JsonObject;
            var node = entry["Node"] as JsonObject;
            var serviceId = Text(service?["ID"]) ?? "(no id)";

            // Service.Address, else the node's address, as in Dapr; the caller dials names as they are.
            var host = Text(service?["Address"]) is { Length: > 0 } serviceAddress ? serviceAddress : Text(node?["Address"]);
            if (string.IsNullOrWhiteSpace(host))
            {
                ConsulLog.InstanceWithoutAddress(_logger, serviceId, appId);
                continue;
            }

            host = host.Trim();
            if (host.Length > 2 && host[0] == '[' && host[^1] == ']')
            {
                host = host[1..^1];
            }

            // Meta keys are matched exactly, as a Go map lookup does.
            var portText = (service?["Meta"] as JsonObject)?.FirstOrDefault(p => p.Key == metaKey).Value is { } portNode ? Text(portNode) : null;
            if (portText is null)
            {
                ConsulLog.InstanceWithoutPort(_logger, serviceId, appId, metaKey);
                continue;
            }

            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                ConsulLog.InstanceWithBadPort(_logger, serviceId, appId, metaKey, portText);
                continue;
            }

            instances.Add(new PeerEndpoint(host, port));
        }

        if (result.FilteredByAcls && instances.Count == 0 && Interlocked.Exchange(ref _aclWarned, 1) == 0)
        {
            ConsulLog.FilteredByAcls(_logger, appId);
        }

        return instances;
    }

    private static string? Text(JsonNode? node) => node is JsonValue value ? ConfigSection.ScalarText(value) : null;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _lifetime.CancelAsync();
        if (_registrationLoop is not null)
        {
            await _registrationLoop;
        }

        if (_cache is not null)
        {
            await _cache.DisposeAsync();
        }

        if (_registration is not null && _registrationSent && _client is not null)
        {
            await DeregisterAsync(_registration, _client);
        }

        _client?.Dispose();
    }

    private async Task DeregisterAsync(ConsulRegistration registration, ConsulHttpClient client)
    {
        // Dapr deregisters only with selfDeregister: true; every dead registration then lingers
        // (dapr/dapr#5433, #9026). Here leaving it behind takes an explicit false.
        if (_options!.SelfDeregister == false)
        {
            ConsulLog.DeregistrationSkipped(_logger, registration.ServiceId);
            return;
        }

        try
        {
            await client.DeregisterAsync(registration.ServiceId, _timings.DeregisterTimeout, CancellationToken.None);
            ConsulLog.Deregistered(_logger, registration.ServiceId);
        }
        catch (ConsulRequestException e) when (e.StatusCode == 404)
        {
            ConsulLog.AlreadyDeregistered(_logger, registration.ServiceId);
        }
        catch (ConsulRequestException e)
        {
            ConsulLog.DeregistrationFailed(_logger, registration.ServiceId, e.Message);
        }
    }

    private static ConsulHttpClient CreateClient(ConsulClientOptions options)
    {
        try
        {
            return new ConsulHttpClient(options);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new NameResolutionConfigurationException(
                $"{ConfigSection.RootPath}.client.tlsConfig: cannot load the certificates or key: {e.Message}");
        }
    }
}
