using System.Net;
using System.Net.Http.Json;
using Dapr.Client;
using Satcar.Testing;

namespace Satcar.IntegrationTests;

// Dapr.Client 1.19 marks InvokeMethodAsync obsolete in favour of plain HTTP clients, but existing apps
// call it, so it is exactly what these tests must exercise.
#pragma warning disable CS0618

/// <summary>
/// The official Dapr .NET SDK (Dapr.Client 1.19) as the judge of compatibility for the calls it makes
/// over HTTP: service invocation and the sidecar health checks. Its state calls use gRPC, which this
/// satcar does not serve yet.
/// </summary>
public sealed class DaprClientTests(SatcarFixture fixture) : IClassFixture<SatcarFixture>, IDisposable
{
    private readonly DaprClient _dapr = new DaprClientBuilder()
        .UseHttpEndpoint(fixture.Satcar.BaseUri.ToString())
        .UseGrpcEndpoint($"http://127.0.0.1:{Ports.Free()}")
        .Build();

    public void Dispose() => _dapr.Dispose();

    public sealed record Order(int OrderId, string Item);

    [Fact]
    public async Task Wait_for_sidecar_and_the_health_checks_succeed()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _dapr.WaitForSidecarAsync(timeout.Token);
        Assert.True(await _dapr.CheckHealthAsync());
        Assert.True(await _dapr.CheckOutboundHealthAsync());
    }

    [Fact]
    public async Task Check_health_is_false_when_no_satcar_answers()
    {
        using var nobody = new DaprClientBuilder().UseHttpEndpoint($"http://127.0.0.1:{Ports.Free()}").Build();
        Assert.False(await nobody.CheckHealthAsync());
    }

    [Fact]
    public async Task Invoke_method_sends_and_receives_json()
    {
        var sent = new Order(17, "coffee");
        var received = await _dapr.InvokeMethodAsync<Order, Order>(HttpMethod.Post, SatcarFixture.AppId, "echo/order", sent);
        Assert.Equal(sent, received);
        var seen = fixture.App.Requests.Last(r => r.Path == "/echo/order");
        Assert.Equal("POST", seen.Method);
        Assert.StartsWith("application/json", seen.Header("Content-Type").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_method_without_a_body_and_with_a_query_string()
    {
        using var request = _dapr.CreateInvokeMethodRequest(HttpMethod.Get, SatcarFixture.AppId, "lookup?id=5");
        var reply = await _dapr.InvokeMethodAsync<Dictionary<string, string?>>(request);
        Assert.Equal("/lookup", reply["path"]);
        Assert.Equal("?id=5", reply["query"]);
    }

    [Fact]
    public async Task A_failing_app_surfaces_as_an_invocation_exception_with_its_status()
    {
        var error = await Assert.ThrowsAsync<InvocationException>(() => _dapr.InvokeMethodAsync(HttpMethod.Get, SatcarFixture.AppId, "status/503"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.Response.StatusCode);
        Assert.Equal(SatcarFixture.AppId, error.AppId);
    }

    [Fact]
    public async Task The_invoke_http_client_rewrites_app_urls_through_the_satcar()
    {
        using var http = DaprClient.CreateInvokeHttpClient(SatcarFixture.AppId, fixture.Satcar.BaseUri.ToString());
        var reply = await http.GetFromJsonAsync<Dictionary<string, string?>>("/through/client?x=1");
        Assert.Equal("/through/client", reply!["path"]);
        Assert.Equal("?x=1", reply["query"]);
    }
}
