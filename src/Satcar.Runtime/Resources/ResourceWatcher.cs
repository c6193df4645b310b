using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Components;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.PubSub;

namespace Satcar.Runtime.Resources;

/// <summary>
/// Hot reload (https://docs.dapr.io/operations/configuration/hot-reload/): when a file in a resources
/// folder is added, changed or removed, components and subscriptions follow without a restart. A
/// changed component is initialised anew and swapped in only once its init succeeded, so it never goes
/// missing; the old instance is closed a little later, when calls in flight on it have finished. A file
/// that is broken is reported, and what it held before stays in use until it is fixed. On by default;
/// a Configuration with the feature <c>HotReload</c> set to false turns it off.
/// </summary>
public sealed partial class ResourceWatcher(
    ResourceLoader loader,
    ResourceSet initial,
    ComponentStore components,
    ComponentInitializer initializer,
    SubscriptionManager subscriptions,
    SatcarOptions options,
    ILogger<ResourceWatcher> logger,
    TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan s_settle = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan s_rescan = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_retireAfter = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _changed = new(0);
    private Dictionary<string, ComponentResource> _components = [];
    private IReadOnlyList<SubscriptionSpec> _subscriptions = initial.Subscriptions;
    private string? _fingerprint = "";

    /// <summary>True when the Configuration does not turn hot reload off and there is something to watch.</summary>
    public bool Enabled =>
        options.ResourcesPaths.Count > 0
        && !(initial.Configuration?.Features.TryGetValue("HotReload", out var on) == true && !on);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        // What is live now: a component that failed its init with ignoreErrors is retried on the next change.
        _components = initial.Components.Where(c => components.TryGet(c.Name, out _)).ToDictionary(c => c.Name, StringComparer.Ordinal);
        try
        {
            _fingerprint = Fingerprint();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _fingerprint = null; // the first scan reloads, which keeps what did not change
        }

        var watchers = options.ResourcesPaths.Where(Directory.Exists).Select(Watch).ToList();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // A file event, or the periodic rescan that catches what file events miss (network shares).
                await _changed.WaitAsync(s_rescan, stoppingToken);
                await Task.Delay(s_settle, time, stoppingToken);
                while (_changed.CurrentCount > 0)
                {
                    await _changed.WaitAsync(stoppingToken);
                }

                await ScanAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            watchers.ForEach(w => w.Dispose());
        }
    }

    /// <summary>
    /// Reloads when the folders changed. A file can vanish or become unreadable mid-scan (an editor
    /// replacing it, a share going away): that is reported and retried at the next change or rescan,
    /// and never stops the watcher, let alone the satcar.
    /// </summary>
    private async Task ScanAsync(CancellationToken stoppingToken)
    {
        try
        {
            var fingerprint = Fingerprint();
            if (fingerprint != _fingerprint)
            {
                _fingerprint = fingerprint;
                await ReloadAsync(stoppingToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            _fingerprint = null;
            Log.ScanFailed(logger, e);
        }
    }

    /// <summary>Loads the folders again and applies the difference.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var set = loader.Load(new ResourceLoadRequest
        {
            ResourcePaths = options.ResourcesPaths,
            AppId = options.AppId,
            Namespace = options.Namespace.Length > 0 ? options.Namespace : null,
        });

        // A broken file keeps what it held; everything else follows the folders.
        var broken = set.Problems.Select(p => p.File).ToHashSet(StringComparer.Ordinal);
        foreach (var problem in set.Problems)
        {
            Log.ResourceProblem(logger, problem.ToString());
        }

        var desired = set.Components.Where(c => !broken.Contains(c.File)).ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (var kept in _components.Values.Where(c => broken.Contains(c.File)))
        {
            desired.TryAdd(kept.Name, kept);
        }

        foreach (var (name, current) in _components)
        {
            if (!desired.ContainsKey(name) && components.Remove(name) is { } removed)
            {
                Log.ComponentRemoved(logger, name, current.File);
                Retire(removed);
            }
        }

        var applied = new Dictionary<string, ComponentResource>(StringComparer.Ordinal);
        foreach (var (name, resource) in desired.OrderBy(d => d.Value.Category == "secretstores" ? 0 : 1))
        {
            if (_components.TryGetValue(name, out var current) && current.SameSpecAs(resource))
            {
                applied[name] = current;
                continue;
            }

            try
            {
                var loaded = await initializer.CreateAsync(resource, options.AppId, options.Namespace, cancellationToken);
                if (components.Set(loaded) is { } previous)
                {
                    Retire(previous);
                }

                applied[name] = resource;
                Log.ComponentApplied(logger, name, current is null ? "added" : "updated", resource.File);
            }
            catch (ComponentInitException e)
            {
                // The old version, if any, stays in use.
                Log.ComponentReloadFailed(logger, name, e.Reason);
                if (current is not null)
                {
                    applied[name] = current;
                }
            }
        }

        _components = applied;
        var subscriptionsChanged = !set.Subscriptions.SequenceEqual(_subscriptions);
        if (subscriptionsChanged && broken.Count == 0)
        {
            _subscriptions = set.Subscriptions;
            await subscriptions.UpdateDeclarativeAsync(_subscriptions, cancellationToken);
            Log.SubscriptionsReloaded(logger, _subscriptions.Count);
        }
    }

    // The old instance may still be serving a call: close it once those calls are surely done.
    private void Retire(LoadedComponent component) => _ = Task.Run(async () =>
    {
        try
        {
            await Task.Delay(s_retireAfter, time);
            await component.Instance.DisposeAsync();
        }
        catch (Exception e)
        {
            Log.RetireFailed(logger, component.Resource.Name, e);
        }
    });

    private FileSystemWatcher Watch(string folder)
    {
        var watcher = new FileSystemWatcher(folder)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            IncludeSubdirectories = false,
        };
        watcher.Changed += (_, _) => _changed.Release();
        watcher.Created += (_, _) => _changed.Release();
        watcher.Deleted += (_, _) => _changed.Release();
        watcher.Renamed += (_, _) => _changed.Release();
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    /// <summary>Names, sizes and write times of the YAML files: cheap to compute, changes with any edit.</summary>
    private string Fingerprint() => string.Join('\n', options.ResourcesPaths
        .SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p) : File.Exists(p) ? [p] : [])
        .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
        .Order(StringComparer.Ordinal)
        .Select(f => new FileInfo(f))
        .Select(f => $"{f.FullName}|{f.Length}|{f.LastWriteTimeUtc.Ticks}"));

    private static partial class Log
    {
        [LoggerMessage(EventId = 1120, Level = LogLevel.Error, Message = "Hot reload: {Problem}; what this file held before stays in use")]
        public static partial void ResourceProblem(ILogger logger, string problem);

        [LoggerMessage(EventId = 1121, Level = LogLevel.Information, Message = "Hot reload: component {ComponentName} {Change} from {File}")]
        public static partial void ComponentApplied(ILogger logger, string componentName, string change, string file);

        [LoggerMessage(EventId = 1122, Level = LogLevel.Information, Message = "Hot reload: component {ComponentName} removed ({File})")]
        public static partial void ComponentRemoved(ILogger logger, string componentName, string file);

        [LoggerMessage(EventId = 1123, Level = LogLevel.Error, Message = "Hot reload: component {ComponentName} failed to init ({Reason}); the previous version, if any, stays in use")]
        public static partial void ComponentReloadFailed(ILogger logger, string componentName, string reason);

        [LoggerMessage(EventId = 1124, Level = LogLevel.Information, Message = "Hot reload: {Count} declarative subscriptions applied")]
        public static partial void SubscriptionsReloaded(ILogger logger, int count);

        [LoggerMessage(EventId = 1126, Level = LogLevel.Error, Message = "Hot reload: reading the resource folders failed; trying again at the next change")]
        public static partial void ScanFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1125, Level = LogLevel.Warning, Message = "Hot reload: closing the replaced instance of {ComponentName} failed")]
        public static partial void RetireFailed(ILogger logger, string componentName, Exception exception);
    }
}
