using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Hosting;

namespace Satcar.Runtime.AppChannel;

/// <summary>
/// daprd's app health check (https://docs.dapr.io/operations/resiliency/health-checks/app-health/):
/// with <c>--enable-app-health-check</c> the satcar probes the app every interval (an HTTP app:
/// <c>GET {app}{--app-health-check-path}</c>; a gRPC app: <c>AppCallbackHealthCheck/HealthCheck</c>);
/// <c>--app-health-threshold</c> consecutive failures make the app unhealthy, one success makes it
/// healthy again. While it is unhealthy, invocations of it fail fast. As in daprd (apphealth.New:
/// "Initial state is unhealthy until we validate it"), the app starts unhealthy and a probe must pass
/// before invocations, pub/sub and input bindings reach it; the threshold applies only once it has been
/// healthy. The first probe runs as soon as the app accepts connections (daprd starts probing after it
/// waited for the app port), not one interval later, so a healthy app is not held back.
/// </summary>
public sealed partial class AppHealth(
    AppChannel channel, IAppCallback app, AppReadiness readiness, SatcarOptions options, ILogger<AppHealth> logger, TimeProvider timeProvider)
    : BackgroundService
{
    private readonly List<Func<bool, string, CancellationToken, Task>> _listeners = [];
    private volatile bool _healthy;
    private bool _probedHealthy;
    private int _failures;

    /// <summary>True when health checks are off; else true once a probe passed, until the app fails the threshold of probes in a row.</summary>
    public bool IsHealthy => !Enabled || _healthy;

    public bool Enabled => options.AppHealthCheck && channel.BaseUri is not null;

    /// <summary>Registers a callback for every probe result (healthy, output); a name resolver publishes it.</summary>
    public void Subscribe(Func<bool, string, CancellationToken, Task> listener)
    {
        lock (_listeners)
        {
            _listeners.Add(listener);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        try
        {
            await readiness.Reached.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.AppHealthProbeInterval, timeProvider);
        do
        {
            var (ok, output) = await app.HealthCheckAsync(options.AppHealthProbeTimeout, stoppingToken);
            await RecordAsync(ok, output, stoppingToken);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private async Task RecordAsync(bool ok, string output, CancellationToken stoppingToken)
    {
        var wasHealthy = _healthy;
        _failures = ok ? 0 : _failures + 1;
        _healthy = ok || (_failures < options.AppHealthThreshold && wasHealthy);
        if (_healthy != wasHealthy)
        {
            if (_healthy && !_probedHealthy)
            {
                Log.AppFirstHealthy(logger, output);
            }
            else if (_healthy)
            {
                Log.AppHealthy(logger, output);
            }
            else
            {
                Log.AppUnhealthy(logger, _failures, output);
            }
        }
        else if (!_healthy && !_probedHealthy && _failures == 1)
        {
            Log.AppNotHealthyYet(logger, output);
        }

        _probedHealthy |= _healthy;
        Func<bool, string, CancellationToken, Task>[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            await listener(_healthy, output, stoppingToken);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1610, Level = LogLevel.Information, Message = "The app is healthy again ({Output})")]
        public static partial void AppHealthy(ILogger logger, string output);

        [LoggerMessage(EventId = 1611, Level = LogLevel.Warning, Message = "The app is unhealthy after {Failures} failed probes ({Output}); invocations of it fail until it recovers")]
        public static partial void AppUnhealthy(ILogger logger, int failures, string output);

        [LoggerMessage(EventId = 1612, Level = LogLevel.Information, Message = "The app passed its first health probe ({Output}); invocations, pub/sub and input bindings reach it from now on")]
        public static partial void AppFirstHealthy(ILogger logger, string output);

        [LoggerMessage(EventId = 1613, Level = LogLevel.Warning, Message = "The app failed its first health probe ({Output}); it stays unhealthy until a probe passes")]
        public static partial void AppNotHealthyYet(ILogger logger, string output);
    }
}
