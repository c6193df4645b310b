using System.Security.Cryptography;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Satellites;

/// <summary>
/// Satcars and apps on distinct loopback addresses, standing for separate hosts, that find each
/// other through one name-resolution backend. Each satcar binds its API and its peer port to its own
/// address and registers that address. Everything started here is stopped by PID on dispose.
/// </summary>
public sealed class SatelliteTopology : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    public SatelliteTopology(string? configuration = null)
    {
        Directory = new TempDirectory();
        PeerSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        ConfigFile = Directory.Write("config.yaml", configuration ?? SqliteConfiguration(Path.Combine(Directory.Path, "name-resolution.db")));
    }

    public TempDirectory Directory { get; }

    public string PeerSecret { get; }

    public string ConfigFile { get; }

    /// <summary>The embedded resolver in a test-local database, refreshed every second so stale rows drop out fast.</summary>
    public static string SqliteConfiguration(string database) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Configuration
        metadata:
          name: satellites
        spec:
          nameResolution:
            component: sqlite
            configuration:
              connectionString: {database}
              updateInterval: 2s
              timeout: 500ms
        """;

    /// <summary>Writes a state store component for a satcar and returns its resources folder.</summary>
    public string StateStore(string appId)
    {
        Directory.Write($"resources-{appId}/statestore.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: statestore
            spec:
              type: state.sqlite
              version: v1
              metadata:
              - name: connectionString
                value: {Path.Combine(Directory.Path, $"state-{appId}.db")}
            """);
        return Path.Combine(Directory.Path, $"resources-{appId}");
    }

    /// <summary>Starts an app on <paramref name="address"/>.</summary>
    public async Task<FakeApp> AppAsync(string address, Func<Microsoft.AspNetCore.Http.HttpContext, byte[], Task<bool>>? handler = null)
    {
        var app = await FakeApp.StartAsync(address, handler);
        _owned.Add(app);
        return app;
    }

    /// <summary>Starts a satcar for <paramref name="appId"/> on <paramref name="address"/>, its app (if any) on another host; with <c>--enable-app-health-check</c>, returns once the first probe passed.</summary>
    public async Task<SatcarProcess> SatcarAsync(
        string appId, string address, FakeApp? app = null, IEnumerable<string>? extraArgs = null,
        IReadOnlyDictionary<string, string?>? environment = null, bool withPeerSecret = true, int? peerPort = null)
    {
        var args = new List<string>
        {
            "--app-id", appId,
            "--config", ConfigFile,
            "--host-address", address,
            "--dapr-internal-grpc-listen-address", address,
        };
        if (app is not null)
        {
            args.AddRange(["--app-url", app.BaseUri.ToString().TrimEnd('/')]);
        }

        if (peerPort is { } port)
        {
            args.AddRange(["--dapr-internal-grpc-port", port.ToString()]);
        }

        args.AddRange(extraArgs ?? []);
        var env = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>());
        if (withPeerSecret)
        {
            env.TryAdd("SATCAR_PEER_SECRET", PeerSecret);
        }

        var satcar = await SatcarProcess.RunAsync(args, env, address, waitForApp: app is not null);
        _owned.Add(satcar);
        if (args.Contains("--enable-app-health-check"))
        {
            // The app is unhealthy until its first probe passes, as in daprd; the tests start healthy apps.
            await satcar.WaitForOutputAsync("The app passed its first health probe");
        }

        return satcar;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        Directory.Dispose();
    }
}
