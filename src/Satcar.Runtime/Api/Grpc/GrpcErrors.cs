using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using GrpcMetadata = Grpc.Core.Metadata;
using GrpcStatus = Grpc.Core.Status;
using Satcar.Runtime.Errors;

namespace Satcar.Runtime.Api.Grpc;

/// <summary>
/// Renders an <see cref="ApiError"/> as daprd's gRPC error: the status code and message, and for
/// the rich errors a <c>grpc-status-details-bin</c> trailer holding a <c>google.rpc.Status</c> with
/// <c>ErrorInfo</c> and <c>ResourceInfo</c> details (what the SDKs' rich-error helpers read).
/// </summary>
internal static class GrpcErrors
{
    public const string DetailsTrailer = "grpc-status-details-bin";

    public static RpcException ToRpcException(ApiError error)
    {
        var code = (StatusCode)(int)error.GrpcStatus;
        var trailers = new GrpcMetadata();
        if (error.Kind.Reason is { } reason)
        {
            var status = new Google.Rpc.Status { Code = (int)code, Message = error.Message };
            var info = new ErrorInfo { Reason = reason, Domain = "dapr.io" };
            if (error.InfoMetadata is { } metadata)
            {
                foreach (var (key, value) in metadata)
                {
                    info.Metadata[key] = value;
                }
            }

            status.Details.Add(Any.Pack(info));
            if (error.Resource is { } resource)
            {
                status.Details.Add(Any.Pack(new ResourceInfo { ResourceType = resource.Type, ResourceName = resource.Name }));
            }

            trailers.Add(DetailsTrailer, status.ToByteArray());
        }

        return new RpcException(new GrpcStatus(code, error.Message), trailers);
    }
}
