using Dapr.Client;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Grpc;

/// <summary>The SDK's <c>ShutdownSidecarAsync</c> (gRPC <c>Shutdown</c>) stops the satcar gracefully.</summary>
public sealed class GrpcShutdownTests
{
    [Fact]
    public async Task Shutdown_over_grpc_answers_then_stops_the_satcar_with_exit_code_0()
    {
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "shutdown-grpc"]);
        using var dapr = new DaprClientBuilder().UseHttpEndpoint(satcar.BaseUri.ToString()).UseGrpcEndpoint(satcar.GrpcUri.ToString()).Build();
        await dapr.ShutdownSidecarAsync();
        Assert.Equal(0, await satcar.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.Contains("Shutdown requested through the API", satcar.Output, StringComparison.Ordinal);
    }
}
