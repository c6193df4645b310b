using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Satcar.Components.Sqlite;
using Satcar.Runtime.NameResolution;

namespace Satcar.Components.NameResolution.Sqlite;

/// <summary>
/// <c>nameresolution.sqlite</c>, the embedded default (https://docs.dapr.io/reference/components-reference/supported-name-resolution/nr-sqlite/):
/// satcars on one host, or sharing a folder, find each other through one database file. Each
/// satcar keeps a row <c>(registration_id, address, app_id, namespace, last_update)</c> fresh with a
/// heartbeat and removes it when it stops. Resolution returns only rows refreshed within
/// <c>updateInterval</c>, so a killed satcar drops out within that time, and a satcar that starts on
/// the same address replaces the old row at once (the address is unique).
/// Unlike Dapr's component, the periodic cleanup removes only stale rows (Dapr's deletes the fresh
/// ones), a lost row is registered again instead of stopping the process, and the namespace is
/// stored and matched.
/// </summary>
internal sealed partial class SqliteNameResolver : INameResolver
{
    private NameResolutionContext _context = null!;
    private SqliteNameResolverOptions _options = null!;
    private SqliteDatabase? _database;
    private string _registrationId = "";
    private string _address = "";
    private CancellationTokenSource? _stopping;
    private Task _heartbeat = Task.CompletedTask;
    private Task _cleanup = Task.CompletedTask;

    /// <summary>Reads a configuration as <see cref="InitAsync"/> does and throws <see cref="NameResolutionConfigurationException"/> naming every field that is wrong; opens nothing.</summary>
    public static void Validate(JsonObject configuration) =>
        SqliteNameResolverOptions.Read(configuration, homeDirectory: "", warnings: []);

    public async Task InitAsync(NameResolutionContext context, CancellationToken cancellationToken)
    {
        _context = context;
        var warnings = new List<string>();
        _options = SqliteNameResolverOptions.Read(context.Configuration, context.HomeDirectory, warnings);
        foreach (var warning in warnings)
        {
            Log.ConfigurationWarning(context.Logger, warning);
        }

        if (_options.InMemory)
        {
            Log.InMemory(context.Logger);
        }

        _database = await SqliteDatabase.OpenAsync(
            _options.ConnectionString, _options.BusyTimeout, _options.DisableWal,
            problem => new NameResolutionConfigurationException($"spec.nameResolution.configuration.connectionString: {problem}"),
            cancellationToken);
        await ExecuteAsync($"""
            CREATE TABLE IF NOT EXISTS {_options.TableName} (
                registration_id TEXT NOT NULL PRIMARY KEY,
                address TEXT NOT NULL,
                app_id TEXT NOT NULL,
                namespace TEXT NOT NULL,
                last_update INTEGER NOT NULL
            );
            CREATE UNIQUE INDEX IF NOT EXISTS {_options.TableName}_address ON {_options.TableName} (address);
            CREATE INDEX IF NOT EXISTS {_options.TableName}_app ON {_options.TableName} (app_id, namespace, last_update);
            """, [], cancellationToken);

        _registrationId = Guid.NewGuid().ToString();
        _address = new PeerEndpoint(context.HostAddress, context.PeerPort).Authority;
        await RegisterAsync(cancellationToken);

        _stopping = new CancellationTokenSource();
        _heartbeat = HeartbeatLoopAsync(_stopping.Token);
        if (_options.CleanupInterval > TimeSpan.Zero)
        {
            _cleanup = CleanupLoopAsync(_stopping.Token);
        }
    }

    public async Task<IReadOnlyList<PeerEndpoint>> ResolveAsync(string appId, string @namespace, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = Timeout(cancellationToken);
            await using var connection = await Database.OpenAsync(timeout.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT address FROM {_options.TableName} WHERE app_id = $app AND namespace = $ns AND last_update > $fresh";
            command.Parameters.AddWithValue("$app", appId);
            command.Parameters.AddWithValue("$ns", @namespace);
            command.Parameters.AddWithValue("$fresh", Now() - (long)_options.UpdateInterval.TotalMilliseconds);
            var instances = new List<PeerEndpoint>();
            await using var reader = await command.ExecuteReaderAsync(timeout.Token);
            while (await reader.ReadAsync(timeout.Token))
            {
                if (TryParseAddress(reader.GetString(0), out var endpoint))
                {
                    instances.Add(endpoint);
                }
            }

            return instances;
        }
        catch (Exception e) when (e is SqliteException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new NameResolutionException($"the name-resolution database cannot be read: {e.Message}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping is not null)
        {
            await _stopping.CancelAsync();
            await Task.WhenAll(_heartbeat, _cleanup);
            _stopping.Dispose();
        }

        if (_database is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(_options.Timeout);
                await ExecuteAsync($"DELETE FROM {_options.TableName} WHERE registration_id = $id", [("$id", _registrationId)], timeout.Token);
            }
            catch (Exception e) when (e is SqliteException or OperationCanceledException)
            {
                Log.DeregisterFailed(_context.Logger, e);
            }

            _database.Dispose();
        }
    }

    /// <summary>Deletes rows not refreshed within <c>updateInterval</c>; live rows are never touched.</summary>
    internal Task<int> CleanupAsync(CancellationToken cancellationToken) =>
        ExecuteAsync($"DELETE FROM {_options.TableName} WHERE last_update <= $stale",
            [("$stale", Now() - (long)_options.UpdateInterval.TotalMilliseconds)], cancellationToken);

    private SqliteDatabase Database => _database ?? throw new InvalidOperationException("the resolver is not initialised");

    // REPLACE removes any row with this registration id or this address, so a satcar that restarts on
    // the same address takes over its old row.
    private Task<int> RegisterAsync(CancellationToken cancellationToken) =>
        ExecuteAsync($"REPLACE INTO {_options.TableName} (registration_id, address, app_id, namespace, last_update) VALUES ($id, $address, $app, $ns, $now)",
            [("$id", _registrationId), ("$address", _address), ("$app", _context.AppId), ("$ns", _context.Namespace), ("$now", Now())],
            cancellationToken);

    private async Task HeartbeatLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _context.TimeProvider);
        while (await Tick(timer, stoppingToken))
        {
            try
            {
                using var timeout = Timeout(stoppingToken);
                var updated = await ExecuteAsync($"UPDATE {_options.TableName} SET last_update = $now WHERE registration_id = $id AND address = $address",
                    [("$now", Now()), ("$id", _registrationId), ("$address", _address)], timeout.Token);
                if (updated == 0)
                {
                    Log.RegistrationLost(_context.Logger, _address);
                    await RegisterAsync(timeout.Token);
                }
            }
            catch (Exception e) when (e is SqliteException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
            {
                Log.HeartbeatFailed(_context.Logger, e.Message);
            }
        }
    }

    private async Task CleanupLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.CleanupInterval, _context.TimeProvider);
        while (await Tick(timer, stoppingToken))
        {
            try
            {
                using var timeout = Timeout(stoppingToken);
                var removed = await CleanupAsync(timeout.Token);
                Log.CleanedUp(_context.Logger, removed);
            }
            catch (Exception e) when (e is SqliteException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
            {
                Log.CleanupFailed(_context.Logger, e.Message);
            }
        }
    }

    private async Task<int> ExecuteAsync(string sql, (string Name, object Value)[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await Database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(_options.Timeout);
        return source;
    }

    private long Now() => _context.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static bool TryParseAddress(string address, out PeerEndpoint endpoint)
    {
        endpoint = null!;
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), out var port))
        {
            return false;
        }

        endpoint = new PeerEndpoint(address[..colon].Trim('[', ']'), port);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2306, Level = LogLevel.Warning, Message = "{Warning}")]
        public static partial void ConfigurationWarning(ILogger logger, string warning);

        [LoggerMessage(EventId = 2300, Level = LogLevel.Warning, Message = "The name-resolution database is in memory: no other satcar can find this one")]
        public static partial void InMemory(ILogger logger);

        [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "The registration of {Address} was gone (another satcar took the address, or the row was removed); registering again")]
        public static partial void RegistrationLost(ILogger logger, string address);

        [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "Name-resolution heartbeat failed: {Reason}")]
        public static partial void HeartbeatFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 2303, Level = LogLevel.Debug, Message = "Removed {Count} stale name-resolution rows")]
        public static partial void CleanedUp(ILogger logger, int count);

        [LoggerMessage(EventId = 2304, Level = LogLevel.Warning, Message = "Removing stale name-resolution rows failed: {Reason}")]
        public static partial void CleanupFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 2305, Level = LogLevel.Warning, Message = "Removing this satcar's name-resolution row failed; it goes stale within updateInterval")]
        public static partial void DeregisterFailed(ILogger logger, Exception exception);
    }
}
