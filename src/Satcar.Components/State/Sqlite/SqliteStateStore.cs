using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Satcar.Components.Sqlite;
using Satcar.Runtime.Components;
using Satcar.Runtime.State;

namespace Satcar.Components.State.Sqlite;

/// <summary>
/// <c>state.sqlite</c>: the embedded default store (https://docs.dapr.io/reference/components-reference/supported-state-stores/setup-sqlite/).
/// One table keyed by the stored key; every write is a single conditional statement, so the ETag
/// and first-write rules hold even with several satcars sharing the file, and a transaction is one
/// SQLite transaction (<c>BEGIN IMMEDIATE</c>). Expired rows are never returned and are swept every
/// <c>cleanupInterval</c>.
/// </summary>
internal sealed partial class SqliteStateStore(ComponentContext context) : ITransactionalStateStore
{
    private readonly TimeProvider _time = context.TimeProvider;
    private SqliteDatabase? _database;
    private string _table = "state";
    private ITimer? _cleanup;

    public StateFeatures Features => StateFeatures.ETag | StateFeatures.Transactional | StateFeatures.Ttl;

    public int MaxTransactionOperations => 0;

    public async Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        var options = SqliteStateOptions.Read(metadata);
        _table = options.TableName;
        _database = await SqliteDatabase.OpenAsync(
            options.ConnectionString, options.BusyTimeout, options.DisableWal, problem => metadata.Invalid("connectionString", problem), cancellationToken);
        await using (var connection = await _database.OpenAsync(cancellationToken))
        {
            await Execute(connection, $"""
                CREATE TABLE IF NOT EXISTS {_table} (
                    key TEXT NOT NULL PRIMARY KEY,
                    value BLOB NOT NULL,
                    etag TEXT NOT NULL,
                    update_time INTEGER NOT NULL,
                    expiration_time INTEGER NULL
                );
                CREATE INDEX IF NOT EXISTS {_table}_expiration ON {_table} (expiration_time) WHERE expiration_time IS NOT NULL;
                """, cancellationToken);
        }

        if (options.CleanupInterval > TimeSpan.Zero)
        {
            _cleanup = _time.CreateTimer(_ => _ = CleanupAsync(), null, options.CleanupInterval, options.CleanupInterval);
        }
    }

    public async Task<StateEntry?> GetAsync(string key, StateReadOptions options, CancellationToken cancellationToken)
    {
        await using var connection = await Database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT value, etag, expiration_time FROM {_table} WHERE key = $key AND (expiration_time IS NULL OR expiration_time > $now)";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$now", Now());
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var value = (byte[])reader.GetValue(0);
        DateTimeOffset? expires = reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2));
        return new StateEntry(value, reader.GetString(1), expires);
    }

    public async Task SetAsync(StateSetRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await Database.OpenAsync(cancellationToken);
        await SetAsync(connection, null, request, cancellationToken);
    }

    public async Task DeleteAsync(StateDeleteRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await Database.OpenAsync(cancellationToken);
        await DeleteAsync(connection, null, request, cancellationToken);
    }

    public async Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        await using var connection = await Database.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var operation in operations)
        {
            if (operation.Set is { } set)
            {
                await SetAsync(connection, transaction, set, cancellationToken);
            }
            else
            {
                await DeleteAsync(connection, transaction, operation.Delete!, cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cleanup is not null)
        {
            await _cleanup.DisposeAsync();
        }

        _database?.Dispose();
    }

    private SqliteDatabase Database => _database ?? throw new InvalidOperationException("the store is not initialised");

    private async Task SetAsync(SqliteConnection connection, SqliteTransaction? transaction, StateSetRequest request, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        const string Columns = "(key, value, etag, update_time, expiration_time) VALUES ($key, $value, $newEtag, $now, $expires)";
        const string Assign = "value = excluded.value, etag = excluded.etag, update_time = excluded.update_time, expiration_time = excluded.expiration_time";
        const string Live = "(expiration_time IS NULL OR expiration_time > $now)";
        command.CommandText = (request.ETag, request.Concurrency) switch
        {
            // Replace only the live row whose ETag matches.
            ({ }, _) => $"UPDATE {_table} SET value = $value, etag = $newEtag, update_time = $now, expiration_time = $expires WHERE key = $key AND etag = $etag AND {Live}",
            // Insert only when no live row exists (an expired row counts as absent).
            (null, StateConcurrency.FirstWrite) => $"INSERT INTO {_table} {Columns} ON CONFLICT (key) DO UPDATE SET {Assign} WHERE {_table}.expiration_time IS NOT NULL AND {_table}.expiration_time <= $now",
            _ => $"INSERT INTO {_table} {Columns} ON CONFLICT (key) DO UPDATE SET {Assign}",
        };
        var now = Now();
        command.Parameters.AddWithValue("$key", request.Key);
        command.Parameters.AddWithValue("$value", request.Value.ToArray());
        command.Parameters.AddWithValue("$newEtag", Guid.NewGuid().ToString());
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$expires", request.ExpiresAt(DateTimeOffset.FromUnixTimeMilliseconds(now))?.ToUnixTimeMilliseconds() is { } expires ? expires : DBNull.Value);
        command.Parameters.AddWithValue("$etag", (object?)request.ETag ?? DBNull.Value);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new StateETagMismatchException();
        }
    }

    private async Task DeleteAsync(SqliteConnection connection, SqliteTransaction? transaction, StateDeleteRequest request, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = request.ETag is null
            ? $"DELETE FROM {_table} WHERE key = $key"
            : $"DELETE FROM {_table} WHERE key = $key AND etag = $etag AND (expiration_time IS NULL OR expiration_time > $now)";
        command.Parameters.AddWithValue("$key", request.Key);
        command.Parameters.AddWithValue("$etag", (object?)request.ETag ?? DBNull.Value);
        command.Parameters.AddWithValue("$now", Now());
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0 && request.ETag is not null)
        {
            throw new StateETagMismatchException();
        }
    }

    private async Task CleanupAsync()
    {
        try
        {
            await using var connection = await Database.OpenAsync(CancellationToken.None);
            await using var command = connection.CreateCommand();
            command.CommandText = $"DELETE FROM {_table} WHERE expiration_time IS NOT NULL AND expiration_time <= $now";
            command.Parameters.AddWithValue("$now", Now());
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is SqliteException or ObjectDisposedException or InvalidOperationException)
        {
            Log.CleanupFailed(context.Logger, context.Name, e);
        }
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static async Task Execute(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2100, Level = LogLevel.Warning, Message = "State store {StoreName}: removing expired rows failed")]
        public static partial void CleanupFailed(ILogger logger, string storeName, Exception exception);
    }
}
