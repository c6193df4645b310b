using Satcar.Runtime.Components;
using StackExchange.Redis;

namespace Satcar.Components.Redis;

/// <summary>
/// The connection metadata shared by Dapr's Redis components (<c>redisHost</c>, <c>redisPassword</c>,
/// <c>redisUsername</c>, <c>redisDB</c>, <c>enableTLS</c>, timeouts), mapped onto StackExchange.Redis.
/// </summary>
internal sealed record RedisConnectionOptions
{
    public required string Host { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public int Database { get; init; }

    public bool EnableTls { get; init; }

    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(3);

    public int MaxRetries { get; init; } = 3;

    public static RedisConnectionOptions Read(ComponentMetadata metadata)
    {
        if (metadata.GetString("redisType", "node") is not ("node" or "Node"))
        {
            throw metadata.Invalid("redisType", "only 'node' is supported");
        }

        if (metadata.GetBoolean("failover", false))
        {
            throw metadata.Invalid("failover", "Redis Sentinel is not supported");
        }

        var host = metadata.GetRequiredString("redisHost");
        if (host.Contains(',', StringComparison.Ordinal))
        {
            throw metadata.Invalid("redisHost", "must be one host:port; clusters are not supported");
        }

        var database = metadata.GetInt32("redisDB", 0);
        if (database < 0)
        {
            throw metadata.Invalid("redisDB", "must be 0 or more");
        }

        return new RedisConnectionOptions
        {
            Host = host,
            Username = metadata.GetString("redisUsername"),
            Password = metadata.GetString("redisPassword"),
            Database = database,
            EnableTls = metadata.GetBoolean("enableTLS", false),
            DialTimeout = metadata.GetDuration("dialTimeout", TimeSpan.FromSeconds(5)),
            ReadTimeout = metadata.GetDuration("readTimeout", TimeSpan.FromSeconds(3)),
            MaxRetries = metadata.GetInt32("redisMaxRetries", 3),
        };
    }

    /// <summary>Connects and checks the server answers, failing the component's init with a clear reason when it does not.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(RedisConnectionOptions options, ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationOptions
        {
            User = options.Username,
            Password = options.Password,
            Ssl = options.EnableTls,
            DefaultDatabase = options.Database,
            AbortOnConnectFail = false,
            ConnectTimeout = (int)options.DialTimeout.TotalMilliseconds,
            SyncTimeout = (int)options.ReadTimeout.TotalMilliseconds,
            AsyncTimeout = (int)options.ReadTimeout.TotalMilliseconds,
            ConnectRetry = Math.Max(options.MaxRetries, 1),
            ClientName = $"satcar-{metadata.Name}",
            SocketManager = SocketManager.ThreadPool,
        };
        try
        {
            configuration.EndPoints.Add(options.Host);
        }
        catch (ArgumentException e)
        {
            throw metadata.Invalid("redisHost", $"'{options.Host}' is not host:port: {e.Message}");
        }

        var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        try
        {
            await connection.GetDatabase(options.Database).PingAsync().WaitAsync(options.DialTimeout, cancellationToken);
            return connection;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            await connection.DisposeAsync();
            throw new ComponentConfigurationException($"component {metadata.Name} ({metadata.Type}): cannot reach Redis at {options.Host}: {e.Message}");
        }
    }
}
