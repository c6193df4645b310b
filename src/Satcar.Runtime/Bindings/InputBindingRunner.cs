using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.AppChannel;
using Satcar.Runtime.Components;

namespace Satcar.Runtime.Bindings;

/// <summary>
/// Reads input bindings and delivers their events to the app, as daprd's binding processor does
/// (<c>pkg/runtime/processor/binding/send.go</c>): once the app accepts connections, every live input
/// binding whose <c>direction</c> allows input is read, after asking the app whether it wants the events
/// unless <c>direction</c> lists <c>input</c> (an HTTP app: <c>OPTIONS {app}/{route}</c> answers 2xx or
/// 405; a gRPC app: <c>ListInputBindings</c> names it). Each event goes to the app through
/// <see cref="IAppCallback"/> (<c>POST {app}/{route}</c>, or <c>OnBindingEvent</c>); an event the app does
/// not take is an error for the binding. While the app is unhealthy an event is not delivered:
/// the handler answers false at once and the binding decides (cron skips the tick).
/// Hot reload: <see cref="ComponentStore.Changed"/> stops the reader of the old instance and starts the new one.
/// </summary>
public sealed partial class InputBindingRunner : BackgroundService
{
    /// <summary>daprd's <c>--app-binding-options-timeout</c> default.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long a stopping reader may take before the runner moves on without it.</summary>
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan s_readinessPoll = TimeSpan.FromMilliseconds(100);

    private readonly ComponentStore _components;
    private readonly AppChannel.AppChannel _channel;
    private readonly IAppCallback _app;
    private readonly AppReadiness _readiness;
    private readonly AppHealth _health;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    // Changes are queued by the store's event and applied one at a time by ExecuteAsync, which alone touches _readers.
    private readonly Channel<(LoadedComponent? Old, LoadedComponent? New)> _changes =
        Channel.CreateUnbounded<(LoadedComponent? Old, LoadedComponent? New)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly Dictionary<string, Reader> _readers = new(StringComparer.Ordinal);

    public InputBindingRunner(
        ComponentStore components,
        AppChannel.AppChannel channel,
        IAppCallback app,
        AppReadiness readiness,
        AppHealth health,
        ILogger<InputBindingRunner> logger,
        TimeProvider timeProvider)
    {
        _components = components;
        _channel = channel;
        _app = app;
        _readiness = readiness;
        _health = health;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_channel.BaseUri is null)
        {
            foreach (var component in _components.OfType<IInputBinding>())
            {
                Log.NoApp(_logger, component.Resource.Name);
            }

            return;
        }

        _components.Changed += OnChanged;
        try
        {
            await WaitForAppAsync(stoppingToken);
            foreach (var component in _components.OfType<IInputBinding>())
            {
                await StartReaderAsync(component, stoppingToken);
            }

            await foreach (var (old, @new) in _changes.Reader.ReadAllAsync(stoppingToken))
            {
                if (old is not null)
                {
                    await StopReaderAsync(old.Resource.Name, old.Instance);
                }

                if (@new is not null)
                {
                    await StartReaderAsync(@new, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The satcar is stopping.
        }
        finally
        {
            _components.Changed -= OnChanged;
            foreach (var name in _readers.Keys.ToList())
            {
                await StopReaderAsync(name, instance: null);
            }
        }
    }

    private void OnChanged(LoadedComponent? old, LoadedComponent? @new)
    {
        if (old?.Instance is IInputBinding || @new?.Instance is IInputBinding)
        {
            _changes.Writer.TryWrite((old, @new));
        }
    }

    private async Task WaitForAppAsync(CancellationToken stoppingToken)
    {
        while (!_readiness.IsReachable)
        {
            await Task.Delay(s_readinessPoll, _timeProvider, stoppingToken);
        }
    }

    private async Task StartReaderAsync(LoadedComponent component, CancellationToken stoppingToken)
    {
        if (component.Instance is not IInputBinding binding)
        {
            return;
        }

        var name = component.Resource.Name;
        if (!BindingDirection.AllowsInput(component.Metadata))
        {
            Log.NotInput(_logger, name);
            return;
        }

        if (_readers.TryGetValue(name, out var running))
        {
            if (ReferenceEquals(running.Instance, binding))
            {
                return;
            }

            await StopReaderAsync(name, instance: null);
        }

        var route = (component.Metadata.GetString("route") ?? name).TrimStart('/');
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var task = Task.Run(() => ReadAsync(name, route, component, binding, cancel.Token), CancellationToken.None);
        _readers[name] = new Reader(binding, cancel, task);
    }

    /// <summary>Stops the reader of <paramref name="name"/>, only when it reads <paramref name="instance"/> unless that is null.</summary>
    private async Task StopReaderAsync(string name, IComponent? instance)
    {
        if (!_readers.TryGetValue(name, out var reader) || (instance is not null && !ReferenceEquals(reader.Instance, instance)))
        {
            return;
        }

        _readers.Remove(name);
        await reader.Cancel.CancelAsync();
        try
        {
            await reader.Task.WaitAsync(s_stopTimeout, _timeProvider);
        }
        catch (TimeoutException)
        {
            Log.StopTimedOut(_logger, name, s_stopTimeout.TotalSeconds);
        }

        reader.Cancel.Dispose();
    }

    private async Task ReadAsync(string name, string route, LoadedComponent component, IInputBinding binding, CancellationToken cancellationToken)
    {
        try
        {
            if (!BindingDirection.ListsInput(component.Metadata))
            {
                var (subscribed, detail) = await AskAppAsync(name, route, cancellationToken);
                if (subscribed is null)
                {
                    Log.ProbeFailed(_logger, name, route, detail);
                    return;
                }

                if (subscribed == false)
                {
                    Log.NotSubscribed(_logger, name, route, detail);
                    return;
                }
            }

            Log.Reading(_logger, name, route);
            await binding.ReadAsync((bindingEvent, token) => DeliverAsync(name, route, bindingEvent, token), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped: the component was replaced or removed, or the satcar is stopping.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.ReadFailed(_logger, name, e);
            return;
        }

        Log.Stopped(_logger, name);
    }

    /// <summary>Asks the app whether it wants the binding's events: true, false, or null with the reason when it cannot be asked.</summary>
    private async Task<BindingSubscription> AskAppAsync(string name, string route, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(ProbeTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await _app.IsSubscribedToBindingAsync(name, route, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(null, $"the app did not answer within {ProbeTimeout.TotalSeconds} s");
        }
    }

    private async Task<bool> DeliverAsync(string name, string route, BindingEvent bindingEvent, CancellationToken cancellationToken)
    {
        if (!_health.IsHealthy)
        {
            Log.AppUnhealthy(_logger, name);
            return false;
        }

        if (await _app.OnBindingEventAsync(name, route, bindingEvent, cancellationToken) is { } failure)
        {
            Log.DeliveryFailed(_logger, name, route, failure);
            return false;
        }

        return true;
    }

    private sealed record Reader(IInputBinding Instance, CancellationTokenSource Cancel, Task Task);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1850, Level = LogLevel.Information, Message = "Input binding {BindingName}: delivering events to /{Route}")]
        public static partial void Reading(ILogger logger, string bindingName, string route);

        [LoggerMessage(EventId = 1851, Level = LogLevel.Information, Message = "Input binding {BindingName}: the app has not subscribed to /{Route} ({Detail}); the binding is not read")]
        public static partial void NotSubscribed(ILogger logger, string bindingName, string route, string detail);

        [LoggerMessage(EventId = 1852, Level = LogLevel.Warning, Message = "Input binding {BindingName}: cannot ask the app whether it subscribes to /{Route} ({Detail}); the binding is not read")]
        public static partial void ProbeFailed(ILogger logger, string bindingName, string route, string detail);

        [LoggerMessage(EventId = 1853, Level = LogLevel.Debug, Message = "Input binding {BindingName}: event not delivered to /{Route}: {Detail}")]
        public static partial void DeliveryFailed(ILogger logger, string bindingName, string route, string detail);

        [LoggerMessage(EventId = 1854, Level = LogLevel.Debug, Message = "Input binding {BindingName}: the app is unhealthy; the event is not delivered")]
        public static partial void AppUnhealthy(ILogger logger, string bindingName);

        [LoggerMessage(EventId = 1855, Level = LogLevel.Error, Message = "Input binding {BindingName}: reading failed; the binding is not read any more")]
        public static partial void ReadFailed(ILogger logger, string bindingName, Exception exception);

        [LoggerMessage(EventId = 1856, Level = LogLevel.Debug, Message = "Input binding {BindingName}: reading stopped")]
        public static partial void Stopped(ILogger logger, string bindingName);

        [LoggerMessage(EventId = 1858, Level = LogLevel.Warning, Message = "Input binding {BindingName} is not read: the satcar has no app (--app-port or --app-url)")]
        public static partial void NoApp(ILogger logger, string bindingName);

        [LoggerMessage(EventId = 1860, Level = LogLevel.Warning, Message = "Input binding {BindingName}: the reader did not stop within {Seconds} s; it is left behind")]
        public static partial void StopTimedOut(ILogger logger, string bindingName, double seconds);

        [LoggerMessage(EventId = 1861, Level = LogLevel.Debug, Message = "Input binding {BindingName}: its direction leaves out input; it is not read")]
        public static partial void NotInput(ILogger logger, string bindingName);
    }
}
