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

        var environment = new Dictionary<string, string>
        {
            ["APP_PORT"] = appPort.ToString(),
            ["DAPR_HTTP_PORT"] = satcar.HttpPort.ToString(),
        };
        int exitCode;
        string output;
        try
        {
            (exitCode, output) = await NodeScript.RunAsync("pubsub.mjs", environment, TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}. Satcar output:\n{satcar.Output}");
        }

        Assert.True(exitCode == 0, $"{output}\nSatcar output:\n{satcar.Output}");
        Assert.Contains("js-pubsub: all checks passed", output, StringComparison.Ordinal);
    }
}
