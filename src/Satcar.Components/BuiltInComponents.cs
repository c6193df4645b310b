using Satcar.Components.NameResolution.Consul;
using Satcar.Components.NameResolution.Sqlite;
using Satcar.Components.State.InMemory;
using Satcar.Components.State.Redis;
using Satcar.Components.State.Sqlite;
using Satcar.Runtime.Components;
using Satcar.Runtime.State;

namespace Satcar.Components;

/// <summary>The components a satcar ships with: one line per component type and version.</summary>
public static class BuiltInComponents
{
    /// <summary>A registry with every built-in component.</summary>
    public static ComponentRegistry CreateRegistry() => new ComponentRegistry()
        .Add<IStateStore>("state.in-memory", "v1", context => new InMemoryStateStore(context))
        .Add<IStateStore>("state.sqlite", "v1", context => new SqliteStateStore(context))
        .Add<IStateStore>("state.redis", "v1", context => new RedisStateStore(context))
        .AddNameResolver("sqlite", () => new SqliteNameResolver())
        .AddNameResolver("consul", () => new ConsulNameResolver())
        .AddNameResolver("hashicorp.consul", () => new ConsulNameResolver());
}
