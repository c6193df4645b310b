using Microsoft.Data.Sqlite;

namespace Satcar.Components.Sqlite;

/// <summary>
/// A SQLite database named the way Dapr's SQLite components name it: a file path, a <c>file:</c> URI
/// (the Go driver's <c>_pragma</c>-style parameters are dropped), or <c>:memory:</c>, which becomes a
/// shared in-memory database kept alive for the component's lifetime. Connections come from
/// Microsoft.Data.Sqlite's pool; a busy database is retried for <c>busyTimeout</c>.
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteConnection? _keepAlive;

    private SqliteDatabase(string connectionString, SqliteConnection? keepAlive)
    {
        _connectionString = connectionString;
        _keepAlive = keepAlive;
    }

    /// <summary>The file the database lives in, or null for an in-memory database.</summary>
    public string? FilePath { get; private init; }

    /// <summary>Opens (and creates) the database.</summary>
    /// <param name="daprConnectionString">The connection string as Dapr's SQLite components take it.</param>
    /// <param name="busyTimeout">How long a statement waits for another writer.</param>
    /// <param name="disableWal">Keep the rollback journal instead of write-ahead logging.</param>
    /// <param name="invalid">Builds the exception for a bad connection string; the message says what is wrong.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public static async Task<SqliteDatabase> OpenAsync(
        string daprConnectionString, TimeSpan busyTimeout, bool disableWal, Func<string, Exception> invalid, CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        };
        var inMemory = false;
        string? filePath = null;
        var text = daprConnectionString.Trim();
        if (text is ":memory:" or "file::memory:")
        {
            builder.DataSource = $"file:satcar-{Guid.NewGuid():N}?mode=memory&cache=shared";
            inMemory = true;
        }
        else if (text.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            builder.DataSource = WithoutDriverParameters(text);
            inMemory = text.Contains("mode=memory", StringComparison.OrdinalIgnoreCase);
        }
        else if (text.Contains('=', StringComparison.Ordinal))
        {
            try
            {
                builder.ConnectionString = text;
            }
            catch (ArgumentException e)
            {
                throw invalid($"is not a valid connection string: {e.Message}");
            }

            builder.Pooling = true;
        }
        else
        {
            filePath = Path.GetFullPath(text);
            Directory.CreateDirectory(Path.GetDirectoryName(filePath)!);
            builder.DataSource = filePath;
        }

        var connectionString = builder.ToString();
        SqliteConnection? keepAlive = null;
        try
        {
            keepAlive = new SqliteConnection(connectionString);
            await keepAlive.OpenAsync(cancellationToken);
            if (!inMemory && !disableWal)
            {
                await using var command = keepAlive.CreateCommand();
                command.CommandText = "PRAGMA journal_mode=WAL";
                await command.ExecuteScalarAsync(cancellationToken);
            }
        }
        catch (SqliteException e)
        {
            keepAlive?.Dispose();
            throw invalid($"cannot open the database: {e.Message}");
        }

        if (!inMemory)
        {
            // Only a shared in-memory database needs a connection held open to stay alive.
            await keepAlive.DisposeAsync();
            keepAlive = null;
        }

        return new SqliteDatabase(connectionString, keepAlive) { FilePath = filePath };
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public void Dispose()
    {
        _keepAlive?.Dispose();
        if (_keepAlive is null)
        {
            SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
        }
    }

    private static string WithoutDriverParameters(string uri)
    {
        var query = uri.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return uri;
        }

        var kept = uri[(query + 1)..].Split('&').Where(p => p.Length > 0 && p[0] != '_').ToList();
        return kept.Count == 0 ? uri[..query] : $"{uri[..query]}?{string.Join('&', kept)}";
    }
}
