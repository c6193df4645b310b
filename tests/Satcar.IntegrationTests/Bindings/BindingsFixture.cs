using Satcar.Testing;

namespace Satcar.IntegrationTests.Bindings;

/// <summary>
/// A <c>satcar run</c> process with output bindings: <c>files</c> (bindings.localstorage), <c>web</c>
/// (bindings.http to a fake server), <c>webin</c> (the same with <c>direction: input</c>), <c>cache</c>
/// (bindings.redis on a real redis-server) and <c>ticks</c> (bindings.cron, input only).
/// The satcar has no app, so nothing is delivered anywhere.
/// </summary>
public sealed class BindingsFixture : IAsyncLifetime
{
    public const string AppId = "binder";

    private readonly TempDirectory _dir = new();

    public RedisServer Redis { get; private set; } = null!;

    /// <summary>The server the <c>web</c> binding calls.</summary>
    public FakeApp Server { get; private set; } = null!;

    public SatcarProcess Satcar { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The localstorage binding's root folder.</summary>
    public string FilesRoot => Path.Combine(_dir.Path, "files");

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Server = await FakeApp.StartAsync();
        _dir.Write("resources/bindings.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: files
            spec:
              type: bindings.localstorage
              version: v1
              metadata:
              - name: rootPath
                value: {FilesRoot}
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: web
            spec:
              type: bindings.http
              version: v1
              metadata:
              - name: url
                value: {Server.BaseUri}
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: webin
            spec:
              type: bindings.http
              version: v1
              metadata:
              - name: url
                value: {Server.BaseUri}
              - name: direction
                value: input
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: cache
            spec:
              type: bindings.redis
              version: v1
              metadata:
              - name: redisHost
                value: {Redis.HostPort}
              - name: redisPassword
                value: ""
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: ticks
            spec:
              type: bindings.cron
              version: v1
              metadata:
              - name: schedule
                value: "@every 1h"
            """);
        Satcar = await SatcarProcess.RunAsync(["--app-id", AppId, "--resources-path", Path.Combine(_dir.Path, "resources")]);
        Client = new HttpClient { BaseAddress = Satcar.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Satcar is not null)
        {
            await Satcar.DisposeAsync();
        }

        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        _dir.Dispose();
    }
}
