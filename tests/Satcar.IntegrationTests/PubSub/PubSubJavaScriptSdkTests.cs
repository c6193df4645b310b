using System.Diagnostics;
using Satcar.Testing;

namespace Satcar.IntegrationTests.PubSub;

/// <summary>An unmodified @dapr/dapr <c>DaprServer</c> subscriber and <c>DaprClient</c> publisher in HTTP mode against a satcar.</summary>
public sealed class PubSubJavaScriptSdkTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("pubsub.in-memory")]
    [InlineData("pubsub.redis")]
    public async Task The_js_sdk_subscribes_and_publishes_through_the_satcar(string type)
    {
        await using var redis = await RedisServer.StartAsync();
        var redisHost = type == "pubsub.redis" ? $"\n  metadata:\n  - name: redisHost\n    value: {redis.HostPort}" : "";
        _dir.Write("resources/pubsub.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: {type}
              version: v1{redisHost}
            """);
        var appPort = Ports.Free();
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "jsapp", "--app-port", appPort.ToString(), "--resources-path", Path.Combine(_dir.Path, "resources")]);

        var folder = Path.Combine(RepositoryPaths.Root, "tests", "js");
        var info = new ProcessStartInfo("node", ["pubsub.mjs"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["APP_PORT"] = appPort.ToString();
        info.Environment["DAPR_HTTP_PORT"] = satcar.HttpPort.ToString();
        using var node = Process.Start(info)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException($"node pubsub.mjs did not finish. Satcar output:\n{satcar.Output}");
        }

        var output = await stdout + await stderr;
        Assert.True(node.ExitCode == 0, $"{output}\nSatcar output:\n{satcar.Output}");
        Assert.Contains("js-pubsub: all checks passed", output, StringComparison.Ordinal);
    }
}
