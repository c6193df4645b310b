using Satcar.Runtime.Components;

namespace Satcar.Components.State.Sqlite;

/// <summary>The metadata of <c>state.sqlite</c>, with components-contrib's names and defaults.</summary>
internal sealed record SqliteStateOptions
{
    /// <summary><c>connectionString</c> (required): a file path, a <c>file:</c> URI, or <c>:memory:</c>.</summary>
    public required string ConnectionString { get; init; }

    /// <summary><c>tableName</c>.</summary>
    public string TableName { get; init; } = "state";

    /// <summary><c>busyTimeout</c>: how long a statement waits for another writer's lock.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><c>disableWAL</c>: keep the rollback journal instead of write-ahead logging.</summary>
    public bool DisableWal { get; init; }

    /// <summary><c>cleanupInterval</c>: how often expired rows are deleted; zero turns the sweep off.</summary>
    public TimeSpan CleanupInterval { get; init; } = TimeSpan.FromHours(1);

    public static SqliteStateOptions Read(ComponentMetadata metadata)
    {
        var table = metadata.GetString("tableName", "state")!;
        if (!IsIdentifier(table))
        {
            throw metadata.Invalid("tableName", $"must be letters, digits and underscores, starting with a letter; got '{table}'");
        }

        return new SqliteStateOptions
        {
            ConnectionString = metadata.GetRequiredString("connectionString"),
            TableName = table,
            BusyTimeout = metadata.GetDuration("busyTimeout", TimeSpan.FromSeconds(2)),
            DisableWal = metadata.GetBoolean("disableWAL", false),
            CleanupInterval = metadata.GetDuration("cleanupInterval", TimeSpan.FromHours(1)),
        };
    }

    private static bool IsIdentifier(string name) =>
        name.Length is > 0 and <= 64 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
