using System.Globalization;
using Satcar.Runtime.Components;
using Satcar.Runtime.State;

namespace Satcar.Components.State.InMemory;

/// <summary>
/// <c>state.in-memory</c>: a process-local store (https://docs.dapr.io/reference/components-reference/supported-state-stores/setup-inmemory/).
/// Every write and transaction runs under one lock, so transactions are atomic; expired keys are
/// invisible at once and swept every few seconds.
/// </summary>
internal sealed class InMemoryStateStore(ComponentContext context) : ITransactionalStateStore
{
    private static readonly TimeSpan s_sweepInterval = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, Item> _items = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TimeProvider _time = context.TimeProvider;
    private long _version;
    private ITimer? _sweeper;

    public StateFeatures Features => StateFeatures.ETag | StateFeatures.Transactional | StateFeatures.Ttl;

    public int MaxTransactionOperations => 0;

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        _sweeper = _time.CreateTimer(_ => Sweep(), null, s_sweepInterval, s_sweepInterval);
        return Task.CompletedTask;
    }

    public Task<StateEntry?> GetAsync(string key, StateReadOptions options, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var item = Live(key, _time.GetUtcNow());
            return Task.FromResult(item is null ? null : new StateEntry(item.Value, item.ETag, item.ExpiresAt));
        }
    }

    public Task SetAsync(StateSetRequest request, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            StateETagRules.CheckWrite(Live(request.Key, now)?.ETag, request.ETag, request.Concurrency);
            _items[request.Key] = NewItem(request, now);
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(StateDeleteRequest request, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            StateETagRules.CheckDelete(Live(request.Key, _time.GetUtcNow())?.ETag, request.ETag);
            _items.Remove(request.Key);
        }

        return Task.CompletedTask;
    }

    public Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();

            // Check every operation against the state the earlier ones leave behind, then apply them all.
            var pending = new Dictionary<string, Item?>(StringComparer.Ordinal);
            foreach (var operation in operations)
            {
                var current = pending.TryGetValue(operation.Key, out var staged) ? staged : Live(operation.Key, now);
                if (operation.Set is { } set)
                {
                    StateETagRules.CheckWrite(current?.ETag, set.ETag, set.Concurrency);
                    pending[set.Key] = NewItem(set, now);
                }
                else
                {
                    StateETagRules.CheckDelete(current?.ETag, operation.Delete!.ETag);
                    pending[operation.Key] = null;
                }
            }

            foreach (var (key, item) in pending)
            {
                if (item is null)
                {
                    _items.Remove(key);
                }
                else
                {
                    _items[key] = item;
                }
            }
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _sweeper?.Dispose();
        return ValueTask.CompletedTask;
    }

    private Item? Live(string key, DateTimeOffset now)
    {
        if (!_items.TryGetValue(key, out var item))
        {
            return null;
        }

        if (item.ExpiresAt <= now)
        {
            _items.Remove(key);
            return null;
        }

        return item;
    }

    private Item NewItem(StateSetRequest request, DateTimeOffset now) =>
        new(request.Value.ToArray(), (++_version).ToString(CultureInfo.InvariantCulture), request.ExpiresAt(now));

    private void Sweep()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var (key, item) in _items)
            {
                if (item.ExpiresAt <= now)
                {
                    _items.Remove(key);
                }
            }
        }
    }

    private sealed record Item(byte[] Value, string ETag, DateTimeOffset? ExpiresAt);
}
