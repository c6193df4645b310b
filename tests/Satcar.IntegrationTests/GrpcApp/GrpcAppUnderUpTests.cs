using System.Net;
using System.Text;
using Satcar.IntegrationTests.Up;
using Satcar.Testing;

namespace Satcar.IntegrationTests.GrpcApp;

/// <summary>
/// A gRPC app in a <c>satcar up</c> topology: up runs its satcar with <c>--app-protocol grpc</c> and its link, and an
/// invocation through the link ends in the app's <c>AppCallback/OnInvoke</c>. The app itself runs in the test (a
/// topology app without a command), so what is checked is up's wiring, not a sample's build.
/// </summary>
[Collection(UpCollection.Name)]
public sealed class GrpcAppUnderUpTests : IDisposable
{
    private static readonly TimeSpan Startup = TimeSpan.FromMinutes(2);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Satcar_up_runs_a_grpc_apps_satcar_and_link_and_an_invocation_reaches_OnInvoke()
    {
        await using var app = await GrpcCallbackApp.StartAsync();
        var linkPort = Ports.Free();
        var topology = _dir.Write("satcar.yaml", $"""
            version: 1
            apps:
              - appID: grpcup
                appPort: {app.Port}
                appProtocol: grpc
                link:
                  port: {linkPort}
                satcar:
                  address: 127.0.0.4
            """);
        await using var up = UpProcess.Start(topology, new Dictionary<string, string?>(), "--for", "5m");
        await up.WaitForOutputAsync("all 2 processes are up", Startup);

        var marker = Guid.NewGuid().ToString("N");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{linkPort}"), Timeout = TimeSpan.FromSeconds(30) };
        using var response = await client.PostAsync($"/v1.0/invoke/grpcup/method/echo?m={marker}", new StringContent("through up", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("through up", await response.Content.ReadAsStringAsync());
        var (invoke, metadata) = app.Recorder.Invocations.Single(i => i.Request.HttpExtension.Querystring == $"m={marker}");
        Assert.Equal("echo", invoke.Method);
        Assert.Equal("grpcup", metadata["dapr-callee-app-id"]);

        Assert.Equal(0, await up.TerminateAsync(TimeSpan.FromMinutes(1)));
        up.AssertNothingLeftRunning();
    }
}
