using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapr.Client;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Satcar.Testing;
using Verb = Dapr.Client.Autogen.Grpc.v1.HTTPExtension.Types.Verb;

namespace Satcar.IntegrationTests.GrpcApp;

// DaprClient's invocation methods are obsolete in 1.19, but apps still call them.
#pragma warning disable CS0618

/// <summary>Service invocation of an app on <c>--app-protocol grpc</c>: every way in ends in <c>AppCallback/OnInvoke</c>.</summary>
public sealed class GrpcAppInvocationTests(GrpcAppFixture fixture) : IClassFixture<GrpcAppFixture>
{
    private GrpcCallbackApp.Recordings Recorder => fixture.App.Recorder;

    [Fact]
    public async Task An_http_invocation_reaches_OnInvoke_and_its_answer_comes_back()
    {
        var marker = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1.0/invoke/{GrpcAppFixture.AppId}/method/echo?a=1&b={marker}")
        {
            Content = new StringContent($"hello {marker}", Encoding.UTF8, "text/plain"),
        };
        request.Headers.Add("X-Custom", "custom-value");
        request.Headers.Accept.ParseAdd("text/plain");

        using var response = await fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"hello {marker}", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(["grpc"], response.Headers.GetValues("x-app"));

        var (invoke, metadata) = Recorder.Invocations.Single(i => i.Request.HttpExtension.Querystring.Contains(marker, StringComparison.Ordinal));
        Assert.Equal("echo", invoke.Method);
        Assert.Equal(Verb.Post, invoke.HttpExtension.Verb);
        Assert.Equal($"a=1&b={marker}", invoke.HttpExtension.Querystring);
        Assert.Equal("text/plain; charset=utf-8", invoke.ContentType);
        Assert.Equal($"hello {marker}", invoke.Data.Value.ToStringUtf8());
        Assert.Equal("custom-value", metadata["x-custom"]);
        Assert.Equal("text/plain", metadata["dapr-accept"]);
        Assert.Equal("text/plain; charset=utf-8", metadata["dapr-content-type"]);
        Assert.Equal(GrpcAppFixture.AppId, metadata["dapr-caller-app-id"]);
        Assert.Equal(GrpcAppFixture.AppId, metadata["dapr-callee-app-id"]);
        // The app sees APP_API_TOKEN, never the caller's token.
        Assert.Equal(GrpcAppFixture.AppToken, metadata["dapr-api-token"]);
        Assert.DoesNotContain("dapr-app-id", metadata.Keys);
    }

    [Fact]
    public async Task The_header_form_carries_the_verb_and_an_empty_body()
    {
        var marker = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/orders/{marker}");
        request.Headers.Add("dapr-app-id", GrpcAppFixture.AppId);

        using var response = await fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (invoke, metadata) = Recorder.Invocations.Single(i => i.Request.Method == $"orders/{marker}");
        Assert.Equal(Verb.Delete, invoke.HttpExtension.Verb);
        Assert.Equal("", invoke.HttpExtension.Querystring);
        Assert.True(invoke.Data.Value.IsEmpty);
        Assert.DoesNotContain("dapr-app-id", metadata.Keys);
    }

    [Fact]
    public async Task Dapr_client_invokes_the_grpc_app_over_http_and_over_the_grpc_api()
    {
        using var client = new DaprClientBuilder()
            .UseHttpEndpoint(fixture.Satcar.BaseUri.ToString())
            .UseGrpcEndpoint(fixture.Satcar.GrpcUri.ToString())
            .UseDaprApiToken(GrpcAppFixture.ApiToken)
            .Build();

        var echoed = await client.InvokeMethodAsync<Order, Order>(HttpMethod.Post, GrpcAppFixture.AppId, "echo", new Order("o-42", 3));
        Assert.Equal(new Order("o-42", 3), echoed);
        Assert.Contains(Recorder.Invocations, i => i.Request.Method == "echo" && i.Request.ContentType.StartsWith("application/json", StringComparison.Ordinal)
            && i.Request.Data.Value.ToStringUtf8().Contains("o-42", StringComparison.Ordinal));

        // InvokeService: the app's InvokeResponse (a packed message) comes back unchanged.
        var reply = await client.InvokeMethodGrpcAsync<StringValue, StringValue>(GrpcAppFixture.AppId, "echo", new StringValue { Value = "over grpc" });
        Assert.Equal("over grpc", reply.Value);

        // And the app's status, with its details, is the caller's status.
        var error = await Assert.ThrowsAsync<InvocationException>(() =>
            client.InvokeMethodGrpcAsync<StringValue, StringValue>(GrpcAppFixture.AppId, "fail/5", new StringValue()));
        var rpc = Assert.IsType<RpcException>(error.InnerException);
        Assert.Equal(StatusCode.NotFound, rpc.StatusCode);
        Assert.Equal("the app says no", rpc.Status.Detail);
        var details = Google.Rpc.Status.Parser.ParseFrom(rpc.Trailers.GetValueBytes("grpc-status-details-bin"));
        Assert.Equal("APP_REFUSED", details.Details.Single().Unpack<Google.Rpc.ErrorInfo>().Reason);
    }

    public static TheoryData<int, int> StatusMapping => new()
    {
        // gRPC code from the app, HTTP status daprd answers (invokev1.HTTPStatusFromCode)
        { (int)StatusCode.InvalidArgument, 400 },
        { (int)StatusCode.FailedPrecondition, 400 },
        { (int)StatusCode.NotFound, 404 },
        { (int)StatusCode.AlreadyExists, 409 },
        { (int)StatusCode.PermissionDenied, 403 },
        { (int)StatusCode.Unauthenticated, 401 },
        { (int)StatusCode.ResourceExhausted, 429 },
        { (int)StatusCode.Unimplemented, 501 },
        { (int)StatusCode.Internal, 500 },
        { (int)StatusCode.Unavailable, 503 },
        { (int)StatusCode.DeadlineExceeded, 504 },
    };

    [Theory]
    [MemberData(nameof(StatusMapping))]
    public async Task An_app_error_becomes_daprds_http_status_with_the_status_as_json(int code, int httpStatus)
    {
        using var response = await fixture.Client.PostAsync($"/v1.0/invoke/{GrpcAppFixture.AppId}/method/fail/{code}", new StringContent("{}"));

        Assert.Equal(httpStatus, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, body.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("the app says no", body.RootElement.GetProperty("message").GetString());
        var detail = body.RootElement.GetProperty("details").EnumerateArray().Single();
        Assert.Equal("type.googleapis.com/google.rpc.ErrorInfo", detail.GetProperty("@type").GetString());
        Assert.Equal("APP_REFUSED", detail.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_packed_answer_is_protobuf_bytes()
    {
        using var response = await fixture.Client.GetAsync($"/v1.0/invoke/{GrpcAppFixture.AppId}/method/typed");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("packed", StringValue.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).Value);
    }

    [Fact]
    public async Task Another_satcar_invokes_the_grpc_app_over_the_peer_channel()
    {
        var marker = Guid.NewGuid().ToString("N");
        using var caller = new HttpClient { BaseAddress = fixture.Caller.BaseUri, Timeout = TimeSpan.FromSeconds(30) };

        using var response = await caller.PutAsync($"/v1.0/invoke/{GrpcAppFixture.AppId}/method/echo?m={marker}", new StringContent("from afar", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("from afar", await response.Content.ReadAsStringAsync());
        var (invoke, metadata) = Recorder.Invocations.Single(i => i.Request.HttpExtension.Querystring == $"m={marker}");
        Assert.Equal(Verb.Put, invoke.HttpExtension.Verb);
        Assert.Equal("caller", metadata["dapr-caller-app-id"]);
        Assert.Equal(GrpcAppFixture.AppId, metadata["dapr-callee-app-id"]);
        Assert.Equal(GrpcAppFixture.AppToken, metadata["dapr-api-token"]);
        Assert.DoesNotContain("satcar-peer-token", metadata.Keys);

        using var failed = await caller.PostAsync($"/v1.0/invoke/{GrpcAppFixture.AppId}/method/fail/7", new StringContent(""));
        Assert.Equal(HttpStatusCode.Forbidden, failed.StatusCode);
    }

    [Fact]
    public async Task An_unhealthy_app_is_not_invoked_until_HealthCheck_passes_again()
    {
        Assert.Contains(Recorder.Calls, c => c.Method == "HealthCheck");
        Assert.DoesNotContain(Recorder.Calls, c => c.Method == "HealthCheck" && c.Metadata.ContainsKey("dapr-api-token"));
        try
        {
            fixture.App.Healthy = false;
            var body = await WaitForStatusAsync(HttpStatusCode.InternalServerError);
            using var error = JsonDocument.Parse(body);
            Assert.Equal("ERR_DIRECT_INVOKE", error.RootElement.GetProperty("errorCode").GetString());
            Assert.Contains("app is not in a healthy state", error.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            fixture.App.Healthy = true;
        }

        await WaitForStatusAsync(HttpStatusCode.OK);
    }

    private async Task<string> WaitForStatusAsync(HttpStatusCode status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using var response = await fixture.Client.PostAsync($"/v1.0/invoke/{GrpcAppFixture.AppId}/method/echo", new StringContent("ping"));
            if (response.StatusCode == status)
            {
                return await response.Content.ReadAsStringAsync();
            }

            Assert.True(DateTime.UtcNow < deadline, $"the invocation did not answer {status} within 15 s (last: {response.StatusCode})");
            await Task.Delay(200);
        }
    }

    private sealed record Order(string Id, int Quantity);
}

/// <summary>A gRPC app that cannot be reached: daprd answers with the Unavailable status the gRPC channel reports.</summary>
public sealed class UnreachableGrpcAppTests
{
    [Fact]
    public async Task An_unreachable_grpc_app_is_503_with_the_unavailable_status()
    {
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "gone", "--app-port", Ports.Free().ToString(), "--app-protocol", "grpc"]);
        using var client = new HttpClient { BaseAddress = satcar.BaseUri, Timeout = TimeSpan.FromSeconds(30) };

        using var response = await client.PostAsync("/v1.0/invoke/gone/method/anything", new StringContent("x"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)StatusCode.Unavailable, body.RootElement.GetProperty("code").GetInt32());
    }
}
