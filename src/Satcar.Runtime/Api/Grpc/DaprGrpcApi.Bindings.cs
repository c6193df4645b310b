using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Core;
using Satcar.Runtime.Bindings;

namespace Satcar.Runtime.Api.Grpc;

/// <summary>Output bindings: InvokeBinding. Unlike the HTTP head, the data reaches the binding as given.</summary>
internal sealed partial class DaprGrpcApi
{
    /// <summary>The call's trace headers that travel into the binding's metadata (without replacing the request's own).</summary>
    private static readonly string[] s_traceHeaders = ["traceparent", "tracestate", "baggage"];

    public async Task<InvokeBindingResponse> InvokeBindingAsync(InvokeBindingRequest request, ServerCallContext call)
    {
        var metadata = Copy(request.Metadata);
        foreach (var name in s_traceHeaders)
        {
            if (Header(call, name) is { } value)
            {
                metadata.TryAdd(name, value);
            }
        }

        BindingResponse? result;
        try
        {
            result = await bindings.InvokeOutputBindingAsync(request.Name, new BindingRequest(request.Operation, request.Data.Memory, metadata), call.CancellationToken);
        }
        catch (OutputBindingException e)
        {
            throw GrpcErrors.ToRpcException(e.Error);
        }

        var response = new InvokeBindingResponse();
        if (result is not null)
        {
            response.Data = ByteString.CopyFrom(result.Data.Span);
            AddAll(response.Metadata, result.Metadata);
        }

        return response;
    }
}
