using System.Net;
using System.Text;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using Satcar.Testing;

namespace Satcar.IntegrationTests;

/// <summary>
/// The Configuration's <c>spec.api.allowed</c> / <c>denied</c>: what a satcar serves over HTTP and gRPC when the API is
/// narrowed, as daprd does (https://docs.dapr.io/operations/configuration/api-allowlist/).
/// </summary>
public sealed class ApiAllowlistTests : IDisposable
{
    private static readonly string Store = TestComponents.InMemoryState();

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<SatcarProcess> RunWithApiAsync(string api)
    {
        _dir.Write("resources/statestore.yaml", Store);
        var config = _dir.Write("config.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: narrowed
            spec:
              api:
            {api}
            """);
        return await SatcarProcess.RunAsync(["--app-id", "narrowed", "--resources-path", Path.Combine(_dir.Path, "resources"), "--config", config]);
    }

    [Fact]
    public async Task With_an_allowlist_only_the_listed_apis_are_served_over_http_and_grpc_and_health_always_is()
    {
        await using var satcar = await RunWithApiAsync("""
                allowed:
                  - name: state
                    version: v1.0
                    protocol: http
                  - name: state
                    version: v1
                    protocol: grpc
            """);
        using var http = new HttpClient { BaseAddress = satcar.BaseUri };

        using (var save = await http.PostAsync("/v1.0/state/statestore", new StringContent("""[{"key":"k","value":"over http"}]""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.NoContent, save.StatusCode);
        }

        Assert.Equal("\"over http\"", await http.GetStringAsync("/v1.0/state/statestore/k"));
        Assert.Equal(HttpStatusCode.NoContent, (await http.GetAsync("/v1.0/healthz")).StatusCode);
        foreach (var (method, path) in new[] { ("GET", "/v1.0/metadata"), ("POST", "/v1.0/publish/pubsub/orders"), ("POST", "/v1.0/invoke/narrowed/method/x") })
        {
            using var refused = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}") });
            Assert.Equal(HttpStatusCode.NotImplemented, refused.StatusCode);
            using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("ERR_API_UNIMPLEMENTED", error.RootElement.GetProperty("errorCode").GetString());
            Assert.Equal("requested endpoint is not available", error.RootElement.GetProperty("message").GetString());
        }

        using var client = new DaprClientBuilder().UseHttpEndpoint(satcar.BaseUri.ToString()).UseGrpcEndpoint(satcar.GrpcUri.ToString()).Build();
        await client.SaveStateAsync("statestore", "g", "over grpc");
        Assert.Equal("over grpc", await client.GetStateAsync<string>("statestore", "g"));
        var metadata = await Assert.ThrowsAnyAsync<Exception>(() => client.GetMetadataAsync());
        Assert.Equal(StatusCode.Unimplemented, Assert.IsType<RpcException>(metadata.InnerException).StatusCode);
        var publish = await Assert.ThrowsAsync<DaprException>(() => client.PublishEventAsync("pubsub", "orders", new { id = 1 }));
        Assert.Equal(StatusCode.Unimplemented, Assert.IsType<RpcException>(publish.InnerException).StatusCode);
    }

    [Fact]
    public async Task A_denied_api_is_an_unknown_route_that_falls_through_to_invocation_and_the_rest_is_served()
    {
        await using var satcar = await RunWithApiAsync("""
                allowed:
                  - name: state
                    version: v1.0
                    protocol: http
                  - name: metadata
                    version: v1.0
                    protocol: http
                  - name: invoke
                    version: v1.0
                    protocol: http
                denied:
                  - name: state
                    version: v1.0
                    protocol: http
            """);
        using var http = new HttpClient { BaseAddress = satcar.BaseUri };

        // Denied wins over allowed; the route is then unknown, and daprd's fallback asks for a dapr-app-id.
        using var state = await http.GetAsync("/v1.0/state/statestore/k");
        Assert.Equal(HttpStatusCode.NotFound, state.StatusCode);
        using var error = JsonDocument.Parse(await state.Content.ReadAsStringAsync());
        Assert.Equal("ERR_DIRECT_INVOKE", error.RootElement.GetProperty("errorCode").GetString());

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1.0/metadata")).StatusCode);
        // No gRPC rules: every RPC is served.
        using var client = new DaprClientBuilder().UseHttpEndpoint(satcar.BaseUri.ToString()).UseGrpcEndpoint(satcar.GrpcUri.ToString()).Build();
        await client.SaveStateAsync("statestore", "g", "over grpc");
        Assert.Equal("over grpc", await client.GetStateAsync<string>("statestore", "g"));
    }

    [Fact]
    public async Task A_rule_without_a_known_protocol_stops_the_start_and_names_its_field()
    {
        _dir.Write("resources/statestore.yaml", Store);
        var config = _dir.Write("config.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: broken
            spec:
              api:
                allowed:
                  - name: state
                    version: v1.0
                  - name: state
                    version: v1
                    protocol: grpcweb
            """);

        var (exitCode, output) = await SatcarProcess.RunToExitAsync(["run", "--app-id", "broken", "--config", config]);

        Assert.Equal(1, exitCode);
        Assert.Contains("spec.api.allowed[0].protocol: is required (a string)", output, StringComparison.Ordinal);
        Assert.Contains("spec.api.allowed[1].protocol: must be http or grpc, got 'grpcweb'", output, StringComparison.Ordinal);
    }
}
