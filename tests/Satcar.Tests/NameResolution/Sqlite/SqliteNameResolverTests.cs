using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Satcar.Components.NameResolution.Sqlite;
using Satcar.Runtime.NameResolution;
using Satcar.Testing;
using Satcar.Tests.Bindings;

namespace Satcar.Tests.NameResolution.Sqlite;

/// <summary>
/// <c>nameresolution.sqlite</c> against a real database file shared by several resolvers, as satcars on
/// one host share it. Each resolver runs on a fake clock: advancing it fires the heartbeat and cleanup
/// timers and moves the time written to and compared with <c>last_update</c>. A resolver whose clock
/// stands still is a satcar that stopped heartbeating (hung, or killed without deregistering).
/// Defaults apply: <c>updateInterval</c> 5 s, <c>timeout</c> 1 s, so a heartbeat every 3 s.
/// </summary>
public sealed class SqliteNameResolverTests : IAsyncLifetime
{
    private static readonly DateTimeOffset s_start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_heartbeat = TimeSpan.FromSeconds(3);

    private readonly TempDirectory _directory = new();
    private readonly List<SqliteNameResolver> _resolvers = [];

    private string DatabasePath => Path.Combine(_directory.Path, "name-resolution.db");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var resolver in _resolvers)
        {
            await resolver.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private async Task<SqliteNameResolver> StartAsync(string appId, int peerPort, TimeProvider time, string @namespace = "", string? cleanupInterval = "0")
    {
        var configuration = new JsonObject { ["connectionString"] = DatabasePath };
        if (cleanupInterval is not null)
        {
            configuration["cleanupInterval"] = cleanupInterval;
        }

        var resolver = new SqliteNameResolver();
        await resolver.InitAsync(new NameResolutionContext
        {
            AppId = appId,
            Namespace = @namespace,
            HostAddress = "127.0.0.1",
            PeerPort = peerPort,
            DaprHttpPort = 3500,
            Configuration = configuration,
            HomeDirectory = _directory.Path,
            Logger = NullLogger.Instance,
            TimeProvider = time,
        }, CancellationToken.None);
        _resolvers.Add(resolver);
        return resolver;
    }

    private async Task StopAsync(SqliteNameResolver resolver)
    {
        _resolvers.Remove(resolver);
        await resolver.DisposeAsync();
    }

    /// <summary>The table as another process sees it: address → (app id, namespace, last_update in ms).</summary>
    private async Task<Dictionary<string, (string AppId, string Namespace, long LastUpdate)>> RowsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT address, app_id, namespace, last_update FROM hosts";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<string, (string, string, long)>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            rows[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2), reader.GetInt64(3));
        }

        return rows;
    }

    private async Task<int> SqlAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Waits (in real time, with a deadline) until the table satisfies <paramref name="condition"/>; the heartbeat and cleanup loops write after their timer fires.</summary>
    private async Task<Dictionary<string, (string AppId, string Namespace, long LastUpdate)>> EventuallyAsync(
        Func<Dictionary<string, (string AppId, string Namespace, long LastUpdate)>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var rows = await RowsAsync();
            if (condition(rows))
            {
                return rows;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; rows: {string.Join(", ", rows.Select(r => $"{r.Key}={r.Value}"))}");
            await Task.Delay(20);
        }
    }

    private static long Ms(FakeTimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static async Task<string[]> ResolveAsync(SqliteNameResolver resolver, string appId, string @namespace = "") =>
        [.. (await resolver.ResolveAsync(appId, @namespace, CancellationToken.None)).Select(e => e.Authority).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_registered_instance_resolves_and_is_gone_once_it_stops()
    {
        var time = new FakeTimeProvider(s_start);
        var orders = await StartAsync("orders", 50002, time, @namespace: "prod");
        var caller = await StartAsync("caller", 50003, time, @namespace: "prod");

        var row = (await RowsAsync())["127.0.0.1:50002"];
        Assert.Equal(("orders", "prod", s_start.ToUnixTimeMilliseconds()), row);
        Assert.Equal(["127.0.0.1:50002"], await ResolveAsync(caller, "orders", "prod"));
        Assert.Empty(await ResolveAsync(caller, "orders", "test"));
        Assert.Empty(await ResolveAsync(caller, "billing", "prod"));

        await StopAsync(orders);
        Assert.Equal(["127.0.0.1:50003"], (await RowsAsync()).Keys);
        Assert.Empty(await ResolveAsync(caller, "orders", "prod"));
    }

    [Fact]
    public async Task A_row_older_than_update_interval_is_never_resolved_even_before_cleanup()
    {
        var hung = new FakeTimeProvider(s_start);
        var time = new FakeTimeProvider(s_start);
        await StartAsync("orders", 50002, hung);
        var caller = await StartAsync("caller", 50003, time);
        Assert.Equal(["127.0.0.1:50002"], await ResolveAsync(caller, "orders"));

        time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.Equal(["127.0.0.1:50002"], await ResolveAsync(caller, "orders"));

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Empty(await ResolveAsync(caller, "orders"));
        Assert.Contains("127.0.0.1:50002", (await RowsAsync()).Keys);

        // A killed satcar's row, written by hand, is just as invisible.
        await SqlAsync($"INSERT INTO hosts VALUES ('killed', '127.0.0.1:50009', 'orders', '', {Ms(time) - 60_000})");
        Assert.Empty(await ResolveAsync(caller, "orders"));
    }

    [Fact]
    public async Task Cleanup_removes_only_stale_rows_and_never_a_live_one()
    {
        // Dapr's cleanup deletes rows fresher than updateInterval, so every live sidecar loses its row
        // (reference/name-resolution.md §3.1); here the satcar that stopped heartbeating is the only one removed.
        var hung = new FakeTimeProvider(s_start);
        var time = new FakeTimeProvider(s_start);
        await StartAsync("orders", 50002, hung);
        var live = await StartAsync("orders", 50004, time);
        var caller = await StartAsync("caller", 50003, time, cleanupInterval: "10s");

        for (var i = 1; i <= 3; i++)
        {
            time.Advance(s_heartbeat);
            var now = Ms(time);
            await EventuallyAsync(r => r["127.0.0.1:50004"].LastUpdate == now && r["127.0.0.1:50003"].LastUpdate == now, "the live rows' heartbeats");
        }

        Assert.Equal(3, (await RowsAsync()).Count);
        time.Advance(TimeSpan.FromSeconds(1));
        var rows = await EventuallyAsync(r => !r.ContainsKey("127.0.0.1:50002"), "the cleanup at 10 s");

        Assert.Equal(["127.0.0.1:50003", "127.0.0.1:50004"], rows.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["127.0.0.1:50004"], await ResolveAsync(caller, "orders"));
        Assert.Equal(["127.0.0.1:50003"], await ResolveAsync(live, "caller"));
    }

    [Fact]
    public async Task Cleanup_counts_the_stale_rows_it_deletes()
    {
        var time = new FakeTimeProvider(s_start);
        var caller = await StartAsync("caller", 50003, time);
        var now = Ms(time);
        await SqlAsync($"""
            INSERT INTO hosts VALUES ('stale', '127.0.0.1:50010', 'orders', '', {now - 5000});
            INSERT INTO hosts VALUES ('fresh', '127.0.0.1:50011', 'orders', '', {now - 4999});
            """);

        Assert.Equal(1, await caller.CleanupAsync(CancellationToken.None));
        Assert.Equal(["127.0.0.1:50003", "127.0.0.1:50011"], (await RowsAsync()).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0, await caller.CleanupAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_heartbeat_keeps_a_row_fresh_and_registers_it_again_when_it_is_deleted_underneath()
    {
        var time = new FakeTimeProvider(s_start);
        var orders = await StartAsync("orders", 50002, time);
        var caller = await StartAsync("caller", 50003, time);

        for (var i = 1; i <= 10; i++)
        {
            time.Advance(s_heartbeat);
            var now = Ms(time);
            await EventuallyAsync(r => r["127.0.0.1:50002"].LastUpdate == now, $"heartbeat {i}");
            Assert.Equal(["127.0.0.1:50002"], await ResolveAsync(caller, "orders"));
        }

        // Another process (an old Dapr sidecar's cleanup, a user) deletes the row: the instance is gone
        // until its next heartbeat, which puts it back rather than leaving a live satcar unfindable.
        Assert.Equal(1, await SqlAsync("DELETE FROM hosts WHERE address = '127.0.0.1:50002'"));
        Assert.Empty(await ResolveAsync(caller, "orders"));

        time.Advance(s_heartbeat);
        var back = Ms(time);
        var rows = await EventuallyAsync(r => r.TryGetValue("127.0.0.1:50002", out var row) && row.LastUpdate == back, "the row registered again");
        Assert.Equal(("orders", ""), (rows["127.0.0.1:50002"].AppId, rows["127.0.0.1:50002"].Namespace));
        Assert.Equal(["127.0.0.1:50002"], await ResolveAsync(caller, "orders"));

        time.Advance(s_heartbeat);
        var next = Ms(time);
        await EventuallyAsync(r => r["127.0.0.1:50002"].LastUpdate == next, "the heartbeat after re-registration");

        await StopAsync(orders);
        Assert.DoesNotContain("127.0.0.1:50002", (await RowsAsync()).Keys);
    }

    [Fact]
    public async Task A_satcar_restarting_on_the_same_address_takes_over_the_old_row()
    {
        var hung = new FakeTimeProvider(s_start);
        var time = new FakeTimeProvider(s_start + TimeSpan.FromSeconds(30));
        await StartAsync("orders", 50002, hung);
        var restarted = await StartAsync("orders", 50002, time);

        var rows = await RowsAsync();
        Assert.Equal(Ms(time), Assert.Single(rows).Value.LastUpdate);
        Assert.Equal(["127.0.0.1:50002"], await ResolveAsync(restarted, "orders"));
    }

    [Fact]
    public void Options_default_as_components_contrib_and_report_every_bad_field()
    {
        var options = SqliteNameResolverOptions.Read([], "/home/satcar", []);
        Assert.Equal(Path.Combine("/home/satcar", SqliteNameResolverOptions.DefaultFileName), options.ConnectionString);
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "hosts"),
            (options.UpdateInterval, options.Timeout, options.CleanupInterval, options.TableName));
        Assert.Equal(TimeSpan.FromSeconds(3), options.HeartbeatInterval);

        var error = Assert.Throws<NameResolutionConfigurationException>(() => SqliteNameResolverOptions.Read(
            new JsonObject { ["updateInterval"] = "500ms", ["timeout"] = "2s", ["tableName"] = "1; DROP TABLE x" }, "/home/satcar", []));
        Assert.Contains("updateInterval", error.Message, StringComparison.Ordinal);
        Assert.Contains("timeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("tableName", error.Message, StringComparison.Ordinal);
    }
}
