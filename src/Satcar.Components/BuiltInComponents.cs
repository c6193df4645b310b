using Satcar.Components.Bindings.Cron;
using Satcar.Components.Bindings.Http;
using Satcar.Components.Bindings.LocalStorage;
using Satcar.Components.Bindings.Redis;
using Satcar.Components.NameResolution.Consul;
using Satcar.Components.NameResolution.Sqlite;
using Satcar.Components.PubSub.InMemory;
using Satcar.Components.PubSub.Redis;
using Satcar.Components.Secrets.LocalEnv;
using Satcar.Components.Secrets.LocalFile;
using Satcar.Components.State.InMemory;
using Satcar.Components.State.Redis;
using Satcar.Components.State.Sqlite;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;
using Satcar.Runtime.PubSub;
using Satcar.Runtime.Secrets;
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
        .Add<IPubSub>("pubsub.in-memory", "v1", context => new InMemoryPubSub(context))
        .Add<IPubSub>("pubsub.redis", "v1", context => new RedisPubSub(context))
        .Add<IBinding>("bindings.cron", "v1", context => new CronBinding(context))
        .Add<IBinding>("bindings.http", "v1", context => new HttpBinding(context))
        .Add<IBinding>("bindings.localstorage", "v1", context => new LocalStorageBinding(context))
        .Add<IBinding>("bindings.redis", "v1", context => new RedisBinding(context))
        .Add<ISecretStore>("secretstores.local.file", "v1", context => new LocalFileSecretStore(context))
        .Add<ISecretStore>("secretstores.local.env", "v1", context => new LocalEnvSecretStore(context))
        .AddNameResolver("sqlite", () => new SqliteNameResolver(), SqliteNameResolver.Validate)
        .AddNameResolver("consul", () => new ConsulNameResolver(), ConsulNameResolver.Validate)
        .AddNameResolver("hashicorp.consul", () => new ConsulNameResolver(), ConsulNameResolver.Validate);
}
