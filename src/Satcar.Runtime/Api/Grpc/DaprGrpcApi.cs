using Google.Protobuf.Collections;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.Invocation;
using Satcar.Runtime.Metadata;
using Satcar.Runtime.PubSub;
using Satcar.Runtime.Secrets;
using Satcar.Runtime.State;

namespace Satcar.Runtime.Api.Grpc;

/// <summary>
/// The gRPC head of the Dapr API (<c>dapr.proto.runtime.v1.Dapr</c>), one partial file per building
/// block. Like the HTTP head it only translates: the building-block services hold the logic, and
/// <see cref="DaprGrpcMethodProvider"/> checks the token and renders the errors.
/// </summary>
internal sealed partial class DaprGrpcApi(
    StateService state,
    PubSubService pubsub,
    BindingsService bindings,
    SecretsService secrets,
    MetadataService metadata,
    InvocationService invocation,
    RuntimeShutdown shutdown)
{
    /// <summary>
    /// True for a gRPC-Web call, which the HTTP port serves besides the HTTP API (a link sends gRPC this
    /// way over HTTP/1.1). Every gRPC-Web call goes to the gRPC pipeline, so a service the satcar does not
    /// serve (such as <c>grpc.health.v1.Health</c>) answers Unimplemented rather than being taken for a
    /// service invocation.
    /// </summary>
    public static bool IsGrpcWebCall(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase);

    /// <summary>A copy of a request's metadata map: the services keep what they are given.</summary>
    private static Dictionary<string, string> Copy(MapField<string, string> map) => new(map, StringComparer.Ordinal);

    private static void AddAll(MapField<string, string> map, IEnumerable<KeyValuePair<string, string>> entries)
    {
        foreach (var (key, value) in entries)
        {
            map[key] = value;
        }
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    /// <summary>A trace header of the call (the SDKs send <c>traceparent</c> and <c>tracestate</c> as metadata).</summary>
    private static string? Header(ServerCallContext call, string name) => NullIfEmpty(call.RequestHeaders.GetValue(name));
}
