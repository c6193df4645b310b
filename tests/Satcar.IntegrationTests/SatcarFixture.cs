using Satcar.Testing;

namespace Satcar.IntegrationTests;

/// <summary>
/// A real redis-server, a fake app and a <c>satcar run</c> process for it, with three state stores:
/// <c>redisstore</c> (state.redis), <c>sqlitestore</c> (state.sqlite) and <c>memstore</c> (state.in-memory).
/// </summary>
public class SatcarFixture : IAsyncLifetime
{
    public const string AppId = "orders";

    private readonly TempDirectory _dir = new();

    public RedisServer Redis { get; private set; } = null!;

    public FakeApp App { get; private set; } = null!;

    public SatcarProcess Satcar { get; private set; } = null!;

    /// <summary>A client for the satcar's Dapr HTTP API.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>The environment given to the satcar process.</summary>
    protected virtual Dictionary<string, string?> Environment => [];

    /// <summary>Flags added to <c>satcar run</c>.</summary>
    protected virtual IEnumerable<string> ExtraArgs => [];

    public string ResourcesPath => Path.Combine(_dir.Path, "resources");

    public virtual async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        App = await FakeApp.StartAsync();
        _dir.Write("resources/redis.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: redisstore
            spec:
              type: state.redis
              version: v1
              metadata:
              - name: redisHost
                value: {Redis.HostPort}
              - name: redisPassword
                value: ""
            """);
        _dir.Write("resources/sqlite.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: sqlitestore
            spec:
              type: state.sqlite
              version: v1
              metadata:
              - name: connectionString
                value: {Path.Combine(_dir.Path, "state.db")}
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: memstore
            spec:
              type: state.in-memory
              version: v1
            """);
        Satcar = await SatcarProcess.RunAsync(
            ["--app-id", AppId, "--app-port", App.Port.ToString(), "--resources-path", ResourcesPath, .. ExtraArgs],
            Environment);
        Client = new HttpClient { BaseAddress = Satcar.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public virtual async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Satcar is not null)
        {
            await Satcar.DisposeAsync();
        }

        if (App is not null)
        {
            await App.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        _dir.Dispose();
    }
}

/// <summary>The same topology with <c>DAPR_API_TOKEN</c> and <c>APP_API_TOKEN</c> set.</summary>
public sealed class TokenSatcarFixture : SatcarFixture
{
    public const string ApiToken = "api-token-for-tests";
    public const string AppToken = "app-token-for-tests";

    protected override Dictionary<string, string?> Environment => new()
    {
        ["DAPR_API_TOKEN"] = ApiToken,
        ["APP_API_TOKEN"] = AppToken,
    };
}

/// <summary>The same topology with a small <c>--max-body-size</c>.</summary>
public sealed class SmallBodySatcarFixture : SatcarFixture
{
    public const int MaxBodySize = 1024;

    protected override IEnumerable<string> ExtraArgs => ["--max-body-size", "1Ki"];
}
