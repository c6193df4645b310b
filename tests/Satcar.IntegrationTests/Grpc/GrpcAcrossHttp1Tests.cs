using Dapr.Client;
using Grpc.Core;
using Grpc.Net.Client;
using Satcar.Testing;
using DaprGrpc = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace Satcar.IntegrationTests.Grpc;

/// <summary>
/// The reason the link carries gRPC as gRPC-Web: between the link and its satcar there may be a network
/// that passes only HTTP/1.1. Here a relay that closes every HTTP/2 connection stands between them.
/// </summary>
public sealed class GrpcAcrossHttp1Tests(GrpcFixture fixture) : IClassFixture<GrpcFixture>
{
    public sealed record Order(int OrderId, string Item);

    [Fact]
    public async Task Grpc_through_the_link_crosses_a_network_that_passes_only_http1()
    {
        await using var relay = Http1OnlyRelay.Start(fixture.Satcar.BaseUri);

        // The relay does refuse HTTP/2: a gRPC client pointed straight at it fails.
        using (var direct = GrpcChannel.ForAddress(relay.Uri))
        {
            await Assert.ThrowsAsync<RpcException>(async () => await new DaprGrpc.DaprClient(direct).GetMetadataAsync(new(), deadline: DateTime.UtcNow.AddSeconds(5)));
            Assert.True(relay.RefusedHttp2 > 0);
        }

        await using var link = await GrpcFixture.StartLinkAsync(relay.Uri, GrpcFixture.Token);
        using var dapr = new DaprClientBuilder().UseHttpEndpoint(link.BaseUri.ToString()).UseGrpcEndpoint(link.GrpcUri.ToString()).Build();
        var key = $"across-{Guid.NewGuid():N}";
        await dapr.SaveStateAsync("statestore", key, new Order(42, "crossed"));
        Assert.Equal(new Order(42, "crossed"), await dapr.GetStateAsync<Order>("statestore", key));
        Assert.Equal(GrpcFixture.AppId, (await dapr.GetMetadataAsync()).Id);

        var grpcHeads = relay.RequestHeads.Where(h => h.StartsWith("POST /dapr.proto.runtime.v1.Dapr/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(grpcHeads);
        Assert.All(grpcHeads, head =>
        {
            Assert.Contains(" HTTP/1.1\r\n", head, StringComparison.Ordinal);
            Assert.Contains("application/grpc-web", head, StringComparison.OrdinalIgnoreCase);
        });
    }
}
