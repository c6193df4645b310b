using Satcar.Testing;

namespace Satcar.Tests.State;

public sealed class InMemoryStateStoreConformance : StateStoreConformance
{
    protected override string ComponentType => "state.in-memory";

    protected override bool SharedAcrossInstances => false;

    protected override Task<Dictionary<string, string>> MetadataAsync() => Task.FromResult(new Dictionary<string, string>());
}

public sealed class SqliteFileStateStoreConformance : StateStoreConformance, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override string ComponentType => "state.sqlite";

    protected override Task<Dictionary<string, string>> MetadataAsync() =>
        Task.FromResult(new Dictionary<string, string> { ["connectionString"] = Path.Combine(_dir.Path, "state.db") });

    public void Dispose() => _dir.Dispose();
}

public sealed class SqliteUriStateStoreConformance : StateStoreConformance, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override string ComponentType => "state.sqlite";

    // The Go driver's form, with a _pragma parameter that Microsoft.Data.Sqlite does not know.
    protected override Task<Dictionary<string, string>> MetadataAsync() =>
        Task.FromResult(new Dictionary<string, string>
        {
            ["connectionString"] = $"file:{Path.Combine(_dir.Path, "state.db")}?_pragma=busy_timeout(2000)",
            ["tableName"] = "orders_state",
        });

    public void Dispose() => _dir.Dispose();
}

public sealed class RedisStateStoreConformance(RedisFixture redis) : StateStoreConformance, IClassFixture<RedisFixture>
{
    protected override string ComponentType => "state.redis";

    protected override bool ValidatesETagFormat => true;

    protected override Task<Dictionary<string, string>> MetadataAsync() =>
        Task.FromResult(new Dictionary<string, string> { ["redisHost"] = redis.Server.HostPort, ["redisPassword"] = "" });
}
