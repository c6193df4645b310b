using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Satcar.Testing;
using DaprGrpc = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace Satcar.IntegrationTests.Grpc;

/// <summary>
/// The gRPC API below the SDK: malformed and oversized frames get a gRPC status and the satcar keeps
/// serving; the token, unimplemented RPCs, daprd's rich error details, gRPC-Web on the HTTP port, and
/// a link whose satcar is gone.
/// </summary>
public sealed class GrpcProtocolTests(GrpcFixture fixture) : IClassFixture<GrpcFixture>, IDisposable
{
    private const string GetStatePath = "/dapr.proto.runtime.v1.Dapr/GetState";

    private readonly HttpClient _h2c = new() { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose() => _h2c.Dispose();

    private static DaprGrpc.DaprClient Raw(GrpcChannel channel) => new(channel);

    private static Metadata WithToken(string token = GrpcFixture.Token) => new() { { "dapr-api-token", token } };

    /// <summary>A gRPC frame: the compressed flag, the length the header declares, and the bytes that actually follow.</summary>
    private static byte[] Frame(byte[] payload, int? declaredLength = null, byte compressed = 0)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressed;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)(declaredLength ?? payload.Length));
        payload.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>Posts raw bytes as a gRPC call over HTTP/2 and returns its gRPC status (from the trailers, or the headers of a trailers-only answer).</summary>
    private async Task<(StatusCode Code, string Message)> PostRawAsync(byte[] body, string path = GetStatePath)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Satcar.GrpcUri, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.Add("dapr-api-token", GrpcFixture.Token);
        using var response = await _h2c.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await response.Content.ReadAsByteArrayAsync();
        var headers = response.TrailingHeaders.Contains("grpc-status") ? (HttpHeaders)response.TrailingHeaders : response.Headers;
        var code = (StatusCode)int.Parse(headers.GetValues("grpc-status").Single());
        var message = headers.TryGetValues("grpc-message", out var values) ? Uri.UnescapeDataString(values.Single()) : "";
        return (code, message);
    }

    /// <summary>The satcar still answers a well-formed call.</summary>
    private async Task AssertStillServingAsync()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Satcar.GrpcUri);
        var response = await Raw(channel).GetStateAsync(new GetStateRequest { StoreName = "statestore", Key = "nothing-here" }, WithToken());
        Assert.True(response.Data.IsEmpty);
    }

    [Fact]
    public async Task The_alpha1_name_of_bulk_publish_still_publishes()
    {
        // Dapr.Client 1.19 calls BulkPublishEvent and falls back to this older name only on Unimplemented, so its
        // tests never reach it; older SDKs call it first.
        using var channel = GrpcChannel.ForAddress(fixture.Satcar.GrpcUri);
        var first = Random.Shared.Next(1, int.MaxValue - 10);
        var request = new BulkPublishRequest { PubsubName = "pubsub", Topic = "orders" };
        for (var i = 0; i < 2; i++)
        {
            request.Entries.Add(new BulkPublishRequestEntry
            {
                EntryId = $"e{i}",
                Event = ByteString.CopyFromUtf8($$"""{"orderId":{{first + i}},"item":"alpha1"}"""),
                ContentType = "application/json",
            });
        }

#pragma warning disable CS0612 // obsolete in the protos, and still served: the point of this test
        var response = await Raw(channel).BulkPublishEventAlpha1Async(request, WithToken());
#pragma warning restore CS0612
        Assert.Empty(response.FailedEntries);
        for (var i = 0; i < 2; i++)
        {
            var orderId = first + i;
            await fixture.WaitForEventAsync(e => e.GetProperty("data").GetProperty("orderId").GetInt32() == orderId, $"alpha1 order {orderId}");
        }
    }

    [Fact]
    public async Task A_payload_that_is_not_protobuf_is_internal_and_the_satcar_keeps_serving()
    {
        var (code, message) = await PostRawAsync(Frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
        Assert.Equal(StatusCode.Internal, code);
        Assert.Contains("deserialize", message, StringComparison.OrdinalIgnoreCase);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_frame_shorter_than_its_header_says_is_internal()
    {
        var payload = new GetStateRequest { StoreName = "statestore", Key = "k" }.ToByteArray();
        var (code, message) = await PostRawAsync(Frame(payload, declaredLength: payload.Length + 100));
        Assert.Equal(StatusCode.Internal, code);
        Assert.Contains("incomplete", message, StringComparison.OrdinalIgnoreCase);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_truncated_frame_header_is_internal()
    {
        var (code, _) = await PostRawAsync([0, 0, 0]);
        Assert.Equal(StatusCode.Internal, code);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_compressed_frame_without_an_encoding_is_internal()
    {
        var payload = new GetStateRequest { StoreName = "statestore", Key = "k" }.ToByteArray();
        var (code, _) = await PostRawAsync(Frame(payload, compressed: 1));
        Assert.Equal(StatusCode.Internal, code);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_message_over_max_body_size_is_resource_exhausted()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Satcar.GrpcUri);
        var big = new SaveStateRequest { StoreName = "statestore" };
        big.States.Add(new StateItem { Key = "big", Value = ByteString.CopyFrom(new byte[80 * 1024]) });
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Raw(channel).SaveStateAsync(big, WithToken()));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);

        // Just under the limit (64 KiB with the envelope) is fine.
        var fits = new SaveStateRequest { StoreName = "statestore" };
        fits.States.Add(new StateItem { Key = "fits", Value = ByteString.CopyFrom(new byte[60 * 1024]) });
        await Raw(channel).SaveStateAsync(fits, WithToken());
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_missing_or_wrong_token_is_unauthenticated_with_daprds_messages()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Satcar.GrpcUri);
        var request = new GetStateRequest { StoreName = "statestore", Key = "k" };
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await Raw(channel).GetStateAsync(request));
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Equal("missing api token in request metadata", missing.Status.Detail);

        var wrong = await Assert.ThrowsAsync<RpcException>(async () => await Raw(channel).GetStateAsync(request, WithToken("not-the-token")));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal("authentication error: api token mismatch", wrong.Status.Detail);
    }

    [Fact]
    public async Task Rpcs_the_satcar_does_not_serve_are_unimplemented()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Satcar.GrpcUri);
        var configuration = await Assert.ThrowsAsync<RpcException>(async () =>
            await Raw(channel).GetConfigurationAsync(new GetConfigurationRequest { StoreName = "config" }, WithToken()));
        Assert.Equal(StatusCode.Unimplemented, configuration.StatusCode);
        var actors = await Assert.ThrowsAsync<RpcException>(async () =>
            await Raw(channel).GetActorStateAsync(new GetActorStateRequest { ActorType = "t", ActorId = "1", Key = "k" }, WithToken()));
        Assert.Equal(StatusCode.Unimplemented, actors.StatusCode);
    }

    [Fact]
    public async Task An_unknown_store_carries_daprds_rich_error_details()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Satcar.GrpcUri);
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Raw(channel).GetStateAsync(new GetStateRequest { StoreName = "nostore", Key = "k" }, WithToken()));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var details = Google.Rpc.Status.Parser.ParseFrom(error.Trailers.GetValueBytes("grpc-status-details-bin"));
        Assert.Equal((int)StatusCode.InvalidArgument, details.Code);
        var info = details.Details.Single(d => d.Is(ErrorInfo.Descriptor)).Unpack<ErrorInfo>();
        Assert.Equal("DAPR_STATE_NOT_FOUND", info.Reason);
        Assert.Equal("dapr.io", info.Domain);
        Assert.Equal(GrpcFixture.AppId, info.Metadata["appID"]);
    }

    [Fact]
    public async Task Invoke_service_returns_the_app_body_and_maps_an_http_error_status()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Satcar.GrpcUri);
        var request = new InvokeServiceRequest
        {
            Id = GrpcFixture.AppId,
            Message = new InvokeRequest
            {
                Method = "echo/grpc",
                Data = new Google.Protobuf.WellKnownTypes.Any { Value = ByteString.CopyFromUtf8("hello over grpc") },
                ContentType = "text/plain",
                HttpExtension = new HTTPExtension { Verb = HTTPExtension.Types.Verb.Put, Querystring = "a=1" },
            },
        };
        var metadata = WithToken();
        metadata.Add("x-order-source", "grpc-caller");
        metadata.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        var call = Raw(channel).InvokeServiceAsync(request, metadata);
        var response = await call;
        Assert.Equal("hello over grpc", response.Data.Value.ToStringUtf8());
        Assert.StartsWith("text/plain", response.ContentType, StringComparison.Ordinal);
        Assert.Equal("200", (await call.ResponseHeadersAsync).GetValue("dapr-http-status"));
        var seen = fixture.App.Requests.Last(r => r.Path == "/echo/grpc");
        Assert.Equal("PUT", seen.Method);
        Assert.Equal("?a=1", seen.Query);
        Assert.Equal(["grpc-caller"], seen.Header("x-order-source"));
        Assert.Equal(["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"], seen.Header("traceparent"));
        Assert.Empty(seen.Header("grpc-accept-encoding"));
        Assert.NotEqual([GrpcFixture.Token], seen.Header("dapr-api-token"));

        request.Message.Method = "status/404";
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Raw(channel).InvokeServiceAsync(request, WithToken()));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("status 404", error.Status.Detail);
    }

    [Fact]
    public async Task Grpc_web_over_http1_works_on_the_http_port()
    {
        using var http1 = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Satcar.BaseUri, GetStatePath))
        {
            Version = HttpVersion.Version11,
            Content = new ByteArrayContent(Frame(new GetStateRequest { StoreName = "statestore", Key = "absent-web" }.ToByteArray())),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc-web+proto");
        request.Headers.Add("dapr-api-token", GrpcFixture.Token);
        using var response = await http1.SendAsync(request);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        // A message frame (the empty GetStateResponse), then the trailer frame (flag 0x80) with the status.
        var trailerStart = Array.IndexOf(body, (byte)0x80);
        Assert.True(trailerStart >= 0, "no trailer frame");
        var trailers = Encoding.ASCII.GetString(body, trailerStart + 5, body.Length - trailerStart - 5);
        Assert.Contains("grpc-status: 0", trailers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grpc_web_to_a_service_the_satcar_does_not_serve_is_unimplemented_not_an_invocation()
    {
        using var http1 = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Satcar.BaseUri, "/grpc.health.v1.Health/Check"))
        {
            Version = HttpVersion.Version11,
            Content = new ByteArrayContent(Frame([])),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc-web+proto");
        request.Headers.Add("dapr-api-token", GrpcFixture.Token);
        using var response = await http1.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // A trailers-only answer: the status travels in the headers.
        Assert.Equal("12", Assert.Single(response.Headers.GetValues("grpc-status")));
    }

    [Fact]
    public async Task Non_grpc_requests_on_the_http_port_still_reach_the_http_api()
    {
        using var http1 = new HttpClient { BaseAddress = fixture.Satcar.BaseUri };
        using var response = await http1.GetAsync("/v1.0/healthz");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task A_link_whose_satcar_is_gone_answers_grpc_calls_with_unavailable_at_once()
    {
        var nowhere = new Uri($"http://127.0.0.1:{Ports.Free()}");
        await using var link = await GrpcFixture.StartLinkAsync(nowhere, token: null);
        using var channel = GrpcChannel.ForAddress(link.GrpcUri);
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Raw(channel).GetStateAsync(new GetStateRequest { StoreName = "statestore", Key = "k" }, deadline: DateTime.UtcNow.AddSeconds(10)));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("ERR_SATCAR_UNREACHABLE", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }
}
