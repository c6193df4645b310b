using System.Collections.Immutable;
using Satcar.Runtime.Resources;
using Satcar.Runtime.State;

namespace Satcar.Runtime.Components;

/// <summary>
/// The live components of this satcar by name. Reads take an immutable snapshot and never lock;
/// hot reload swaps entries and tells its listeners (<see cref="Changed"/>), which start or stop
/// what hangs off a component (subscriptions, input bindings).
/// </summary>
public sealed class ComponentStore : IAsyncDisposable
{
    private ImmutableDictionary<string, LoadedComponent> _components = ImmutableDictionary.Create<string, LoadedComponent>(StringComparer.Ordinal);

    /// <summary>Raised after a component was added, replaced or removed: (old, new), either of which may be null.</summary>
    public event Action<LoadedComponent?, LoadedComponent?>? Changed;

    /// <summary>Every live component, ordered by name.</summary>
    public IEnumerable<LoadedComponent> All => _components.Values.OrderBy(c => c.Resource.Name, StringComparer.Ordinal);

    /// <summary>The live components of one building block.</summary>
    public IEnumerable<LoadedComponent> OfType<TContract>() => All.Where(c => c.Instance is TContract);

    public int CountOf<TContract>() => _components.Values.Count(c => c.Instance is TContract);

    public bool TryGet<TContract>(string name, out TContract component)
    {
        if (_components.TryGetValue(name, out var loaded) && loaded.Instance is TContract typed)
        {
            component = typed;
            return true;
        }

        component = default!;
        return false;
    }

    public bool TryGet(string name, out LoadedComponent component) => _components.TryGetValue(name, out component!);

    public int StateStoreCount => CountOf<IStateStore>();

    public bool TryGetStateStore(string name, out StateStoreEntry entry)
    {
        if (_components.TryGetValue(name, out var loaded) && loaded.Instance is IStateStore store)
        {
            entry = new StateStoreEntry(name, store, loaded.KeyPrefix!);
            return true;
        }

        entry = null!;
        return false;
    }

    /// <summary>Adds or replaces a component; returns the one it replaced, which the caller disposes.</summary>
    public LoadedComponent? Set(LoadedComponent component)
    {
        LoadedComponent? previous = null;
        ImmutableInterlocked.AddOrUpdate(ref _components, component.Resource.Name, component, (_, old) =>
        {
            previous = old;
            return component;
        });
        Changed?.Invoke(previous, component);
        return previous;
    }

    /// <summary>Removes a component; returns it for the caller to dispose, or null when there was none.</summary>
    public LoadedComponent? Remove(string name)
    {
        if (!ImmutableInterlocked.TryRemove(ref _components, name, out var removed))
        {
            return null;
        }

        Changed?.Invoke(removed, null);
        return removed;
    }

    public async ValueTask DisposeAsync()
    {
        var components = Interlocked.Exchange(ref _components, _components.Clear());
        foreach (var component in components.Values)
        {
            await component.Instance.DisposeAsync();
        }
    }
}

/// <summary>A component that finished its init, with the resource it came from.</summary>
/// <param name="Resource">The resource, as loaded.</param>
/// <param name="Metadata">Its metadata after secret and environment references were resolved.</param>
/// <param name="Instance">The live component.</param>
/// <param name="Capabilities">What the metadata API reports for it.</param>
/// <param name="KeyPrefix">For a state store, its key-prefix rule.</param>
public sealed record LoadedComponent(
    ComponentResource Resource, ComponentMetadata Metadata, IComponent Instance, IReadOnlyList<string> Capabilities, StateKeyPrefix? KeyPrefix = null);

/// <summary>A state store with its key-prefix rule.</summary>
public sealed record StateStoreEntry(string Name, IStateStore Store, StateKeyPrefix KeyPrefix);
