using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using GrpcStatus = Grpc.Core.Status;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.Resources;
using Satcar.Runtime.Security;

namespace Satcar.Runtime.Api.Grpc;

/// <summary>
/// Binds the RPCs of <c>dapr.proto.runtime.v1.Dapr</c> that a satcar serves to <see cref="DaprGrpcApi"/>.
/// Every call first checks the API token, and its failures leave as daprd's gRPC statuses. The RPCs
/// not listed here answer <c>Unimplemented</c> (Grpc.AspNetCore does that for a known service), which
/// the SDKs' fallbacks rely on.
/// </summary>
internal sealed partial class DaprGrpcMethodProvider : IServiceMethodProvider<DaprGrpcApi>
{
    public const string DaprService = "dapr.proto.runtime.v1.Dapr";

    /// <summary>The gRPC metadata key of the API token, as the HTTP header.</summary>
    public const string ApiTokenKey = "dapr-api-token";

    private readonly ApiToken? _token;
    private readonly ApiAllowlist _apis;
    private readonly bool _apiLogging;
    private readonly ILogger _logger;
    private readonly ILogger _apiLogger;

    public DaprGrpcMethodProvider(SatcarOptions options, ResourceSet resources, ApiAllowlist apis, ILoggerFactory loggerFactory)
    {
        _token = string.IsNullOrEmpty(options.ApiToken) ? null : new ApiToken(options.ApiToken);
        _apis = apis;
        _apiLogging = options.EnableApiLogging ?? resources.Configuration?.ApiLogging ?? false;
        _logger = loggerFactory.CreateLogger<DaprGrpcApi>();
        _apiLogger = loggerFactory.CreateLogger("Satcar.Api");
    }

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<DaprGrpcApi> context)
    {
        Add<GetStateRequest, GetStateResponse>(context, "GetState", (api, request, call) => api.GetStateAsync(request, call));
        Add<SaveStateRequest, Empty>(context, "SaveState", (api, request, call) => api.SaveStateAsync(request, call));
        Add<DeleteStateRequest, Empty>(context, "DeleteState", (api, request, call) => api.DeleteStateAsync(request, call));
        Add<DeleteBulkStateRequest, Empty>(context, "DeleteBulkState", (api, request, call) => api.DeleteBulkStateAsync(request, call));
        Add<GetBulkStateRequest, GetBulkStateResponse>(context, "GetBulkState", (api, request, call) => api.GetBulkStateAsync(request, call));
        Add<ExecuteStateTransactionRequest, Empty>(context, "ExecuteStateTransaction", (api, request, call) => api.ExecuteStateTransactionAsync(request, call));
        Add<PublishEventRequest, Empty>(context, "PublishEvent", (api, request, call) => api.PublishEventAsync(request, call));
        Add<BulkPublishRequest, BulkPublishResponse>(context, "BulkPublishEvent", (api, request, call) => api.BulkPublishEventAsync(request, call));
        Add<BulkPublishRequest, BulkPublishResponse>(context, "BulkPublishEventAlpha1", (api, request, call) => api.BulkPublishEventAsync(request, call));
        Add<InvokeBindingRequest, InvokeBindingResponse>(context, "InvokeBinding", (api, request, call) => api.InvokeBindingAsync(request, call));
        Add<GetSecretRequest, GetSecretResponse>(context, "GetSecret", (api, request, call) => api.GetSecretAsync(request, call));
        Add<GetBulkSecretRequest, GetBulkSecretResponse>(context, "GetBulkSecret", (api, request, call) => api.GetBulkSecretAsync(request, call));
        Add<GetMetadataRequest, GetMetadataResponse>(context, "GetMetadata", (api, request, call) => api.GetMetadataAsync(request, call));
        Add<SetMetadataRequest, Empty>(context, "SetMetadata", (api, request, call) => api.SetMetadataAsync(request, call));
        Add<InvokeServiceRequest, InvokeResponse>(context, "InvokeService", (api, request, call) => api.InvokeServiceAsync(request, call));
        Add<ShutdownRequest, Empty>(context, "Shutdown", (api, request, call) => api.ShutdownAsync(request, call));
    }

    private void Add<TRequest, TResponse>(
        ServiceMethodProviderContext<DaprGrpcApi> context, string name, Func<DaprGrpcApi, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        // An RPC the Configuration's spec.api does not enable is not bound, so it answers Unimplemented as in daprd.
        if (!_apis.ServesGrpc(name))
        {
            return;
        }

        context.AddUnaryMethod(
            GrpcMethods.Unary<TRequest, TResponse>(DaprService, name),
            [],
            (api, request, call) => GuardAsync(name, call, () => handler(api, request, call)));
    }

    /// <summary>Checks the token, runs the handler, and turns every failure into daprd's status; nothing escapes as an unexplained Unknown.</summary>
    private async Task<TResponse> GuardAsync<TResponse>(string name, ServerCallContext call, Func<Task<TResponse>> handler)
    {
        var code = StatusCode.OK;
        try
        {
            CheckToken(call);
            return await handler();
        }
        catch (ApiException e)
        {
            var rpc = GrpcErrors.ToRpcException(e.Error);
            code = rpc.StatusCode;
            throw rpc;
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
            throw;
        }
        catch (OperationCanceledException) when (call.CancellationToken.IsCancellationRequested)
        {
            code = StatusCode.Cancelled;
            throw new RpcException(new GrpcStatus(StatusCode.Cancelled, "the call was cancelled"));
        }
        catch (Exception e)
        {
            Log.Unhandled(_logger, name, e);
            code = StatusCode.Internal;
            throw new RpcException(new GrpcStatus(StatusCode.Internal, "internal error"));
        }
        finally
        {
            if (_apiLogging)
            {
                Log.ApiCall(_apiLogger, name, code);
            }
        }
    }

    /// <summary>daprd's gRPC token check (<c>pkg/api/grpc/auth.go</c>): a missing and a wrong token are told apart.</summary>
    private void CheckToken(ServerCallContext call)
    {
        if (_token is null)
        {
            return;
        }

        var presented = call.RequestHeaders.GetValue(ApiTokenKey);
        if (presented is null)
        {
            throw new RpcException(new GrpcStatus(StatusCode.Unauthenticated, "missing api token in request metadata"));
        }

        if (!_token.Matches(presented))
        {
            throw new RpcException(new GrpcStatus(StatusCode.Unauthenticated, "authentication error: api token mismatch"));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1510, Level = LogLevel.Error, Message = "Unhandled error serving gRPC {Method}")]
        public static partial void Unhandled(ILogger logger, string method, Exception exception);

        [LoggerMessage(EventId = 1511, Level = LogLevel.Information, Message = "gRPC API called: {Method} -> {StatusCode}")]
        public static partial void ApiCall(ILogger logger, string method, StatusCode statusCode);
    }
}
