using System.Text.Json.Nodes;
using Satcar.Runtime.NameResolution;

namespace Satcar.Runtime.Components;

/// <summary>
/// Maps a component type and version (<c>state.redis/v1</c>) to a factory. Filled with one line per
/// built-in component; an unknown type is refused at load with the list of known ones, as daprd does.
/// </summary>
public sealed class ComponentRegistry
{
    private readonly Dictionary<string, Registration> _factories = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, NameResolverRegistration> _nameResolvers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds a factory for <paramref name="type"/> at <paramref name="version"/>.</summary>
    /// <typeparam name="TContract">The building-block contract the component implements, such as <c>IStateStore</c>.</typeparam>
    public ComponentRegistry Add<TContract>(string type, string version, Func<ComponentContext, TContract> factory)
        where TContract : IComponent
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentException.ThrowIfNullOrEmpty(version);
        if (!_factories.TryAdd(Key(type, version), new Registration(type, version, typeof(TContract), context => factory(context))))
        {
            throw new InvalidOperationException($"component type {type}/{version} is registered twice");
        }

        return this;
    }

    /// <summary>Every registered <c>type</c>, sorted, for error messages and docs.</summary>
    public IReadOnlyList<string> KnownTypes =>
        [.. _factories.Values.Select(r => r.Type).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal)];

    public bool IsKnownType(string type) =>
        _factories.Values.Any(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    /// <summary>The versions registered for <paramref name="type"/>.</summary>
    public IReadOnlyList<string> VersionsOf(string type) =>
        [.. _factories.Values.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase)).Select(r => r.Version).Order(StringComparer.Ordinal)];

    public bool TryGet(string type, string version, out Registration registration) =>
        _factories.TryGetValue(Key(type, version), out registration!);

    /// <summary>
    /// Adds a name resolver, chosen by <c>spec.nameResolution.component</c> in a Configuration
    /// (<c>consul</c>, <c>sqlite</c>; also accepted with the <c>nameresolution.</c> prefix).
    /// <paramref name="validate"/> reads a <c>spec.nameResolution.configuration</c> as the resolver's start would,
    /// without starting anything, and throws <see cref="NameResolutionConfigurationException"/> naming what is
    /// wrong, so that loading the Configuration (and <c>satcar validate</c>) reports it with the file.
    /// </summary>
    public ComponentRegistry AddNameResolver(string name, Func<INameResolver> factory, Action<JsonObject> validate)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_nameResolvers.TryAdd(name, new NameResolverRegistration(factory, validate)))
        {
            throw new InvalidOperationException($"name resolver {name} is registered twice");
        }

        return this;
    }

    /// <summary>Every registered name resolver, sorted.</summary>
    public IReadOnlyList<string> KnownNameResolvers => [.. _nameResolvers.Keys.Order(StringComparer.Ordinal)];

    public bool TryCreateNameResolver(string name, out INameResolver resolver)
    {
        if (_nameResolvers.TryGetValue(ResolverKey(name), out var registration))
        {
            resolver = registration.Factory();
            return true;
        }

        resolver = null!;
        return false;
    }

    public bool IsKnownNameResolver(string name) => _nameResolvers.ContainsKey(ResolverKey(name));

    /// <summary>What is wrong with <paramref name="configuration"/> for the resolver <paramref name="name"/>, one entry per problem; empty when it is valid or the resolver is unknown.</summary>
    public IReadOnlyList<string> NameResolverProblems(string name, JsonObject configuration)
    {
        if (!_nameResolvers.TryGetValue(ResolverKey(name), out var registration))
        {
            return [];
        }

        try
        {
            registration.Validate(configuration);
            return [];
        }
        catch (NameResolutionConfigurationException e)
        {
            return e.Message.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        }
    }

    private static string ResolverKey(string name) =>
        name.StartsWith("nameresolution.", StringComparison.OrdinalIgnoreCase) ? name["nameresolution.".Length..] : name;

    private static string Key(string type, string version) => $"{type}/{version}";

    private sealed record NameResolverRegistration(Func<INameResolver> Factory, Action<JsonObject> Validate);

    /// <summary>One registered component type.</summary>
    public sealed record Registration(string Type, string Version, Type Contract, Func<ComponentContext, IComponent> Create);
}
