using System.Text.Json.Nodes;
using Satcar.Runtime.NameResolution;

namespace Satcar.Components.NameResolution.Sqlite;

/// <summary>The configuration of <c>nameresolution.sqlite</c>, with components-contrib's names and defaults.</summary>
internal sealed record SqliteNameResolverOptions
{
    /// <summary>The database file name used in <c>SATCAR_HOME</c> when no <c>connectionString</c> is given.</summary>
    public const string DefaultFileName = "name-resolution.db";

    public required string ConnectionString { get; init; }

    /// <summary><c>updateInterval</c>: a row older than this is not served.</summary>
    public TimeSpan UpdateInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>timeout</c>: how long one database operation may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    public string TableName { get; init; } = "hosts";

    /// <summary><c>cleanupInterval</c>: how often stale rows are deleted; zero turns it off.</summary>
    public TimeSpan CleanupInterval { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromMilliseconds(800);

    public bool DisableWal { get; init; }

    public bool InMemory => ConnectionString.Contains(":memory:", StringComparison.Ordinal) || ConnectionString.Contains("mode=memory", StringComparison.Ordinal);

    /// <summary>How often a satcar refreshes its row: Dapr's <c>updateInterval − timeout − 1s</c>, at least a third of the interval.</summary>
    public TimeSpan HeartbeatInterval
    {
        get
        {
            var dapr = UpdateInterval - Timeout - TimeSpan.FromSeconds(1);
            var floor = UpdateInterval / 3;
            return dapr > floor ? dapr : floor;
        }
    }

    /// <summary>Reads the configuration; every problem is reported at once, each naming its field.</summary>
    public static SqliteNameResolverOptions Read(JsonObject configuration, string homeDirectory, List<string> warnings)
    {
        var problems = new List<string>();
        var section = new ConfigSection(configuration, ConfigSection.RootPath, problems, warnings);
        section.WarnUnknownKeys(["connectionString", "updateInterval", "timeout", "tableName", "cleanupInterval", "busyTimeout", "disableWAL", "metadataTableName"]);

        // Dapr's SQLite resolver takes durations as strings; a bare number here means seconds.
        var seconds = TimeSpan.FromSeconds(1);
        var options = new SqliteNameResolverOptions
        {
            ConnectionString = section.String("connectionString") ?? Path.Combine(homeDirectory, DefaultFileName),
            UpdateInterval = section.Duration("updateInterval", seconds) ?? TimeSpan.FromSeconds(5),
            Timeout = section.Duration("timeout", seconds) ?? TimeSpan.FromSeconds(1),
            TableName = section.String("tableName") ?? "hosts",
            CleanupInterval = section.Duration("cleanupInterval", seconds) ?? TimeSpan.FromHours(1),
            BusyTimeout = section.Duration("busyTimeout", seconds) ?? TimeSpan.FromMilliseconds(800),
            DisableWal = section.Boolean("disableWAL") ?? false,
        };

        if (options.UpdateInterval < TimeSpan.FromSeconds(1))
        {
            section.Problem("updateInterval", "must be at least 1s");
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout >= options.UpdateInterval)
        {
            section.Problem("timeout", "must be positive and shorter than updateInterval");
        }

        if (options.TableName.Length == 0 || !char.IsAsciiLetter(options.TableName[0]) || !options.TableName.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            section.Problem("tableName", $"must be letters, digits and underscores, starting with a letter; got '{options.TableName}'");
        }

        return problems.Count == 0 ? options : throw new NameResolutionConfigurationException(string.Join(Environment.NewLine, problems));
    }
}
