using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.NameResolution;

namespace Satcar.Components.NameResolution.Consul;

/// <summary>
/// Dapr's <c>useCache</c>: the healthy instances of every app id this satcar resolves, kept fresh by a
/// blocking query per app id on <c>/v1/health/service/&lt;appId&gt;?passing=1</c>. Unlike Dapr's watcher
/// (a diff over <c>/v1/health/state/any</c> filtered by service name), this one sees node checks such
/// as <c>serfHealth</c> fail, because <c>passing</c> covers them. App ids that are not resolved for a
/// while are dropped. Any watch error drops every cached entry, so resolution asks Consul directly and
/// never serves what Consul can no longer confirm.
/// </summary>
internal sealed class ConsulServiceCache : IAsyncDisposable
{
    private readonly ConsulHttpClient _client;
    private readonly ConsulQueryOptions _queryOptions;
    private readonly Func<ConsulHealthResult, string, IReadOnlyList<PeerEndpoint>> _parse;
    private readonly ConsulTimings _timings;
    private readonly TimeSpan _wait;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Watch> _watches = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _lifetime = new();

    public ConsulServiceCache(
        ConsulHttpClient client, ConsulOptions options, Func<ConsulHealthResult, string, IReadOnlyList<PeerEndpoint>> parse,
        ConsulTimings timings, TimeProvider time, ILogger logger)
    {
        _client = client;
        _queryOptions = options.Query;
        _parse = parse;
        _timings = timings;
        _time = time;
        _logger = logger;
        _wait = options.Query.WaitTime ?? options.Client.WaitTime ?? timings.DefaultWatchWait;
        if (_wait <= TimeSpan.Zero)
        {
            _wait = timings.DefaultWatchWait;
        }
    }

    /// <summary>The app ids being watched, for tests and diagnostics.</summary>
    public IReadOnlyCollection<string> WatchedAppIds => [.. _watches.Keys];

    /// <summary>
    /// The cached healthy instances of <paramref name="appId"/> when the watch has a confirmed, non-empty
    /// list (an empty one falls through to a direct query, as in Dapr). Starts watching on first use.
    /// </summary>
    public bool TryGet(string appId, out IReadOnlyList<PeerEndpoint> instances)
    {
        if (!_watches.TryGetValue(appId, out var watch))
        {
            lock (_gate)
            {
                if (_lifetime.IsCancellationRequested)
                {
                    instances = [];
                    return false;
                }

                if (!_watches.TryGetValue(appId, out watch))
                {
                    watch = new Watch(appId, _time.GetTimestamp());
                    _watches[appId] = watch;
                    watch.Loop = Task.Run(() => RunAsync(watch));
                    ConsulLog.WatchStarted(_logger, appId, _wait);
                }
            }
        }

        watch.LastUsed = _time.GetTimestamp();
        var current = watch.Instances;
        if (current is { Count: > 0 })
        {
            instances = current;
            return true;
        }

        instances = [];
        return false;
    }

    /// <summary>Drops every cached list and makes healthy watches re-read at once instead of after their wait.</summary>
    public void InvalidateAll()
    {
        foreach (var watch in _watches.Values)
        {
            watch.Instances = null;
            if (watch.Blocking)
            {
                watch.Kick();
            }
        }
    }

    private async Task RunAsync(Watch watch)
    {
        var stopping = _lifetime.Token;
        var backoff = _timings.WatchBackoffInitial;
        ulong index = 0;
        while (!stopping.IsCancellationRequested)
        {
            if (_time.GetElapsedTime(watch.LastUsed) > _timings.EvictAfter)
            {
                Evict(watch);
                return;
            }

            using var kick = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            watch.SetKick(kick);
            var started = _time.GetTimestamp();
            try
            {
                watch.Blocking = index > 0;
                var timeout = index > 0 ? _wait + (_wait / 16) + _timings.RequestTimeout : _timings.RequestTimeout;
                var result = await _client.HealthyInstancesAsync(
                    watch.AppId, _queryOptions, agentCache: false, index, index > 0 ? _wait : null, timeout, kick.Token);
                watch.Blocking = false;
                watch.Instances = _parse(result, watch.AppId);
                backoff = _timings.WatchBackoffInitial;

                // Blocking-query rules: a lower index means Consul's state was reset, so start over; never block on 0.
                var next = result.Index ?? 0;
                index = next < index ? 0 : next;
                if (next == 0)
                {
                    await Task.Delay(_timings.PollIntervalWithoutIndex, _time, stopping);
                }
                else if (_time.GetElapsedTime(started) is var elapsed && elapsed < _timings.MinQueryInterval)
                {
                    // A Consul /health index moves for unrelated changes too; spacing the queries keeps a busy cluster from becoming a tight loop.
                    await Task.Delay(_timings.MinQueryInterval - elapsed, _time, stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                // Kicked by InvalidateAll: read the current state now.
                watch.Blocking = false;
                index = 0;
            }
            catch (Exception e)
            {
                // ConsulRequestException, or anything unexpected: either way the cached list can no longer be trusted.
                watch.Blocking = false;
                index = 0;
                ConsulLog.WatchFailed(_logger, watch.AppId, e.Message, backoff);
                InvalidateAll();
                try
                {
                    await Task.Delay(backoff, _time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _timings.WatchBackoffMax.Ticks));
            }
            finally
            {
                watch.SetKick(null);
            }
        }
    }

    private void Evict(Watch watch)
    {
        lock (_gate)
        {
            if (_watches.TryGetValue(watch.AppId, out var current) && ReferenceEquals(current, watch))
            {
                _watches.TryRemove(watch.AppId, out _);
            }
        }

        ConsulLog.WatchEvicted(_logger, watch.AppId, _timings.EvictAfter);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_lifetime.IsCancellationRequested)
            {
                return;
            }

            _lifetime.Cancel();
        }

        var loops = _watches.Values.Select(w => w.Loop).Where(t => t is not null).Cast<Task>().ToArray();
        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException)
        {
            // Stopping is what was asked for.
        }

        _watches.Clear();
        _lifetime.Dispose();
    }

    private sealed class Watch(string appId, long created)
    {
        private readonly Lock _kickGate = new();
        private CancellationTokenSource? _kick;

        public string AppId { get; } = appId;

        public Task? Loop { get; set; }

        /// <summary>The last list Consul confirmed, or null when there is none to trust.</summary>
        public volatile IReadOnlyList<PeerEndpoint>? Instances;

        /// <summary>True while a blocking query is outstanding; only those are kicked on invalidation.</summary>
        public volatile bool Blocking;

        private long _lastUsed = created;

        public long LastUsed
        {
            get => Interlocked.Read(ref _lastUsed);
            set => Interlocked.Exchange(ref _lastUsed, value);
        }

        public void SetKick(CancellationTokenSource? kick)
        {
            lock (_kickGate)
            {
                _kick = kick;
            }
        }

        public void Kick()
        {
            lock (_kickGate)
            {
                _kick?.Cancel();
            }
        }
    }
}
