using System.Collections.Immutable;
using Satcar.Runtime.Resources;
using Satcar.Runtime.State;

namespace Satcar.Runtime.Components;

/// <summary>The live components of this satcar by name. Reads take an immutable snapshot and never lock.</summary>
public sealed class ComponentStore : IAsyncDisposable
{
    private ImmutableDictionary<string, LoadedComponent> _components = ImmutableDictionary.Create<string, LoadedComponent>(StringComparer.Ordinal);
    private ImmutableDictionary<string, StateStoreEntry> _stateStores = ImmutableDictionary.Create<string, StateStoreEntry>(StringComparer.Ordinal);

    /// <summary>Every live component, in load order of their names.</summary>
    public IEnumerable<LoadedComponent> All => _components.Values.OrderBy(c => c.Resource.Name, StringComparer.Ordinal);

    public int StateStoreCount => _stateStores.Count;

    public bool TryGetStateStore(string name, out StateStoreEntry entry) =>
        _stateStores.TryGetValue(name, out entry!);

    /// <summary>Adds a component that finished its init.</summary>
    public void Add(LoadedComponent component, StateKeyPrefix? keyPrefix = null)
    {
        ImmutableInterlocked.AddOrUpdate(ref _components, component.Resource.Name, component, (_, _) => component);
        if (component.Instance is IStateStore store)
        {
            ArgumentNullException.ThrowIfNull(keyPrefix);
            var entry = new StateStoreEntry(component.Resource.Name, store, keyPrefix);
            ImmutableInterlocked.AddOrUpdate(ref _stateStores, entry.Name, entry, (_, _) => entry);
        }
    }

    public async ValueTask DisposeAsync()
    {
        var components = Interlocked.Exchange(ref _components, _components.Clear());
        _stateStores = _stateStores.Clear();
        foreach (var component in components.Values)
        {
            await component.Instance.DisposeAsync();
        }
    }
}

/// <summary>A component that finished its init, with the resource it came from.</summary>
public sealed record LoadedComponent(ComponentResource Resource, ComponentMetadata Metadata, IComponent Instance, IReadOnlyList<string> Capabilities);

/// <summary>A state store with its key-prefix rule.</summary>
public sealed record StateStoreEntry(string Name, IStateStore Store, StateKeyPrefix KeyPrefix);
