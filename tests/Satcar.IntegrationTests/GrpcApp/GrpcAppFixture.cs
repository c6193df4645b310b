using System.Net;
using Satcar.IntegrationTests.Satellites;
using Satcar.Testing;

namespace Satcar.IntegrationTests.GrpcApp;

/// <summary>
/// A gRPC app (<see cref="GrpcCallbackApp"/>) behind a satcar started with <c>--app-protocol grpc</c>,
/// with an in-memory pub/sub, two cron input bindings (<c>listed</c>, which the app names in
/// <c>ListInputBindings</c>, and <c>unlisted</c>), app health checks every second (unhealthy after three failures), an API token and an
/// app token; and a second satcar, <c>caller</c>, that invokes the app over the peer channel. Both
/// find each other through the embedded SQLite resolver; everything is stopped by PID on dispose.
/// </summary>
public sealed class GrpcAppFixture : IAsyncLifetime
{
    public const string AppId = "grpcapp";
    public const string ApiToken = "caller-side-api-token";
    public const string AppToken = "app-side-api-token";

    private readonly SatelliteTopology _topology = new();

    public GrpcCallbackApp App { get; private set; } = null!;

    public SatcarProcess Satcar { get; private set; } = null!;

    public SatcarProcess Caller { get; private set; } = null!;

    /// <summary>An HTTP client for the app's satcar that carries the API token.</summary>
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await GrpcCallbackApp.StartAsync();
        _topology.Directory.Write("resources/components.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.in-memory
              version: v1
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: listed
            spec:
              type: bindings.cron
              version: v1
              metadata:
              - name: schedule
                value: "@every 1s"
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: unlisted
            spec:
              type: bindings.cron
              version: v1
              metadata:
              - name: schedule
                value: "@every 1s"
            """);
        Satcar = await _topology.SatcarAsync(AppId, "127.0.0.1", extraArgs:
        [
            "--app-port", App.Port.ToString(), "--app-protocol", "grpc",
            "--resources-path", Path.Combine(_topology.Directory.Path, "resources"),
            // Three failed probes in a row, each allowed 2 s, before the app counts as unhealthy: one slow
            // probe on a loaded machine must not fail the other tests of this class.
            "--enable-app-health-check", "--app-health-probe-interval", "1", "--app-health-probe-timeout", "2000", "--app-health-threshold", "3",
        ], environment: new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = ApiToken, ["APP_API_TOKEN"] = AppToken });
        Caller = await _topology.SatcarAsync("caller", "127.0.0.1");
        Client = new HttpClient { BaseAddress = Satcar.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Add("dapr-api-token", ApiToken);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await IsReadyAsync())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the satcar did not reach its gRPC app. Output:\n{Satcar.Output}");
            await Task.Delay(100);
        }
    }

    private async Task<bool> IsReadyAsync()
    {
        Assert.False(Satcar.HasExited, $"the satcar exited. Output:\n{Satcar.Output}");
        using var response = await Client.GetAsync("/v1.0/healthz");
        return response.StatusCode == HttpStatusCode.NoContent;
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        await _topology.DisposeAsync();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}
