using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Invocation;
using Verb = Dapr.Client.Autogen.Grpc.v1.HTTPExtension.Types.Verb;

namespace Satcar.Tests.Invocation;

public sealed class GrpcAppInvokerTests
{
    [Theory]
    [InlineData("POST", "/orders/1?a=1&b=2", "orders/1", Verb.Post, "a=1&b=2")]
    [InlineData("get", "/x", "x", Verb.Get, "")]
    [InlineData("PATCH", "/x?", "x", Verb.Patch, "")]
    [InlineData("PURGE", "/x", "x", Verb.None, "")]
    public void An_http_call_becomes_an_InvokeRequest(string method, string pathAndQuery, string expectedMethod, Verb verb, string query)
    {
        var request = GrpcAppInvoker.Request(method, pathAndQuery, "text/plain", "body"u8.ToArray());

        Assert.Equal(expectedMethod, request.Method);
        Assert.Equal(verb, request.HttpExtension.Verb);
        Assert.Equal(query, request.HttpExtension.Querystring);
        Assert.Equal("text/plain", request.ContentType);
        Assert.Equal("body", request.Data.Value.ToStringUtf8());
        Assert.Equal("", request.Data.TypeUrl);
    }

    [Fact]
    public void Request_headers_become_metadata_with_daprs_prefix_for_permanent_headers()
    {
        var headers = new HeaderDictionary
        {
            ["Content-Type"] = "application/json",
            ["Accept"] = "text/plain",
            ["Host"] = "localhost:3500",
            ["X-Custom"] = new(["a", "b"]),
            ["dapr-caller-app-id"] = "caller",
            ["grpc-timeout"] = "1S",
            ["x-data-bin"] = "AAEC",
            ["X-Unicode"] = "é",
        };

        var metadata = GrpcAppInvoker.ToMetadata(headers);

        Assert.Equal(
            [("dapr-content-type", "application/json"), ("dapr-accept", "text/plain"), ("x-custom", "a"), ("x-custom", "b"), ("dapr-caller-app-id", "caller")],
            metadata.Select(e => (e.Key, e.Value)));
    }

    [Theory]
    [InlineData(StatusCode.OK, 200)]
    [InlineData(StatusCode.Cancelled, 408)]
    [InlineData(StatusCode.Unknown, 500)]
    [InlineData(StatusCode.InvalidArgument, 400)]
    [InlineData(StatusCode.DeadlineExceeded, 504)]
    [InlineData(StatusCode.NotFound, 404)]
    [InlineData(StatusCode.AlreadyExists, 409)]
    [InlineData(StatusCode.PermissionDenied, 403)]
    [InlineData(StatusCode.ResourceExhausted, 429)]
    [InlineData(StatusCode.FailedPrecondition, 400)]
    [InlineData(StatusCode.Aborted, 409)]
    [InlineData(StatusCode.OutOfRange, 400)]
    [InlineData(StatusCode.Unimplemented, 501)]
    [InlineData(StatusCode.Internal, 500)]
    [InlineData(StatusCode.Unavailable, 503)]
    [InlineData(StatusCode.DataLoss, 500)]
    [InlineData(StatusCode.Unauthenticated, 401)]
    public void Grpc_codes_map_to_daprds_http_statuses(StatusCode code, int status) =>
        Assert.Equal(status, GrpcAppInvoker.HttpStatus(code));

    [Fact]
    public void The_error_body_is_the_status_as_json_with_known_details()
    {
        var details = new Google.Rpc.Status { Code = 5 };
        details.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Rpc.ErrorInfo { Reason = "GONE", Domain = "d" }));
        details.Details.Add(new Google.Protobuf.WellKnownTypes.Any { TypeUrl = "type.googleapis.com/unknown.Type", Value = Google.Protobuf.ByteString.CopyFromUtf8("x") });

        using var withUnknown = JsonDocument.Parse(GrpcAppInvoker.StatusJson(new Status(StatusCode.NotFound, "gone"), new Metadata { { "grpc-status-details-bin", details.ToByteArray() } }));
        Assert.Equal(5, withUnknown.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("gone", withUnknown.RootElement.GetProperty("message").GetString());
        Assert.False(withUnknown.RootElement.TryGetProperty("details", out _));

        details.Details.RemoveAt(1);
        using var known = JsonDocument.Parse(GrpcAppInvoker.StatusJson(new Status(StatusCode.NotFound, "gone"), new Metadata { { "grpc-status-details-bin", details.ToByteArray() } }));
        var info = known.RootElement.GetProperty("details")[0];
        Assert.Equal("type.googleapis.com/google.rpc.ErrorInfo", info.GetProperty("@type").GetString());
        Assert.Equal("GONE", info.GetProperty("reason").GetString());
    }

    [Fact]
    public void Response_metadata_becomes_headers_with_reserved_names_prefixed()
    {
        var headers = GrpcAppInvoker.ToHttpHeaders(new Metadata
        {
            { "x-app", "1" }, { "content-type", "application/grpc" }, { "grpc-accept-encoding", "gzip" }, { "date", "now" }, { "x-bin", [1, 2] },
        });

        Assert.Equal([new("x-app", "1"), new("dapr-grpc-accept-encoding", "gzip")], headers);
    }
}
