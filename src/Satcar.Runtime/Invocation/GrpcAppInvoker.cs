using System.Net;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Api.Http;
using Satcar.Runtime.AppChannel;
using Satcar.Runtime.Hosting;
using GrpcMetadata = Grpc.Core.Metadata;
using GrpcStatus = Grpc.Core.Status;
using Verb = Dapr.Client.Autogen.Grpc.v1.HTTPExtension.Types.Verb;

namespace Satcar.Runtime.Invocation;

/// <summary>
/// Invokes a gRPC app (<c>--app-protocol grpc</c>) with <c>AppCallback/OnInvoke</c>, as daprd's gRPC app
/// channel does (<c>pkg/channel/grpc</c>, <c>pkg/api/http/directmessaging.go</c>). The HTTP call becomes
/// <c>InvokeRequest{method, data, content_type, http_extension{verb, querystring}}</c>, its headers gRPC
/// metadata (daprd's IANA "permanent" headers with a <c>dapr-</c> prefix). The answer comes back as 200
/// with the bytes of <c>data.value</c> and <c>content_type</c> (<c>application/x-protobuf</c> when the
/// data carries a type URL); an error status becomes the HTTP status daprd maps its code to, with the
/// status as JSON (<c>{"code","message","details"}</c>) as the body. The app's own answer is also left
/// on the context for the gRPC head, which passes it through unchanged.
/// </summary>
public sealed partial class GrpcAppInvoker(AppChannel.AppChannel channel, SatcarOptions options, ILogger<GrpcAppInvoker> logger)
{
    /// <summary>daprd's <c>isPermanentHTTPHeader</c>: these request headers reach the app as <c>dapr-{name}</c>.</summary>
    private static readonly HashSet<string> s_permanentHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Accept", "Accept-Charset", "Accept-Language", "Accept-Ranges", "Connection", "Keep-Alive", "Proxy-Connection",
        "Transfer-Encoding", "Upgrade", "Cache-Control", "Content-Type", "Content-Length", "Cookie", "Date", "Expect", "From",
        "Host", "If-Match", "If-Modified-Since", "If-None-Match", "If-Schedule-Tag-Match", "If-Unmodified-Since",
        "Max-Forwards", "Origin", "Pragma", "Referer", "Via", "Warning",
    };

    /// <summary>Response metadata that says something about the app's own HTTP/2 response, not about the answer.</summary>
    private static readonly HashSet<string> s_skippedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-type", "content-length", "date", "server", "traceparent", "tracestate", "destination-app-id",
        "connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer",
    };

    private static readonly JsonFormatter s_statusJson = new(JsonFormatter.Settings.Default.WithTypeRegistry(
        Google.Protobuf.Reflection.TypeRegistry.FromFiles(Google.Rpc.ErrorDetailsReflection.Descriptor, Google.Rpc.StatusReflection.Descriptor)));

    private readonly CallInvoker? _invoker = channel.Grpc;

    /// <summary>True when the app speaks gRPC and invocations go through <see cref="InvokeAsync"/>.</summary>
    public bool Enabled => _invoker is not null;

    /// <summary>Calls <c>OnInvoke</c> with the prepared request (identity and token headers already set) and writes the answer.</summary>
    public async Task InvokeAsync(HttpContext context, AppCall call)
    {
        var body = await RequestReading.ReadBodyAsync(context, options.MaxBodySize);
        var request = Request(context.Request.Method, call.PathAndQuery, context.Request.ContentType, body);
        if (context.Features.Get<GrpcCallerRequest>()?.Message.Data?.TypeUrl is { Length: > 0 } typeUrl)
        {
            // A gRPC caller's packed message keeps its type, as daprd passes the InvokeRequest itself to a gRPC app.
            request.Data.TypeUrl = typeUrl;
        }

        var headers = ToMetadata(context.Request.Headers);

        using var grpcCall = _invoker!.AsyncUnaryCall(
            AppCallbackMethods.OnInvoke, null, new CallOptions(headers, cancellationToken: context.RequestAborted), request);
        InvokeResponse? response = null;
        var status = GrpcStatus.DefaultSuccess;
        var trailers = new GrpcMetadata();
        try
        {
            response = await grpcCall.ResponseAsync;
            trailers = grpcCall.GetTrailers();
        }
        catch (RpcException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the caller went away; there is nobody to answer
        }
        catch (RpcException e)
        {
            status = e.Status;
            trailers = e.Trailers;
            Log.AppError(logger, call.CalleeAppId, request.Method, e.StatusCode, e.Status.Detail);
        }

        GrpcMetadata responseHeaders;
        try
        {
            responseHeaders = await grpcCall.ResponseHeadersAsync;
        }
        catch (RpcException)
        {
            responseHeaders = [];
        }

        context.Features.Set(new GrpcAppAnswer(response, status, responseHeaders, trailers));
        await WriteAsync(context.Response, response, status, trailers, responseHeaders, context.RequestAborted);
    }

    /// <summary>The <c>InvokeRequest</c> for an HTTP call: method without the leading slash, raw query, POST-less verbs as NONE.</summary>
    internal static InvokeRequest Request(string method, string pathAndQuery, string? contentType, byte[] body)
    {
        var question = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? pathAndQuery : pathAndQuery[..question];
        return new InvokeRequest
        {
            Method = path.TrimStart('/'),
            Data = new Any { Value = ByteString.CopyFrom(body) },
            ContentType = contentType ?? "",
            HttpExtension = new HTTPExtension
            {
                Verb = System.Enum.TryParse<Verb>(method, ignoreCase: true, out var verb) && System.Enum.IsDefined(verb) ? verb : Verb.None,
                Querystring = question < 0 ? "" : pathAndQuery[(question + 1)..],
            },
        };
    }

    /// <summary>The request headers as gRPC metadata, as daprd's <c>InternalMetadataToGrpcMetadata</c> makes them.</summary>
    internal static GrpcMetadata ToMetadata(IHeaderDictionary headers)
    {
        var metadata = new GrpcMetadata();
        foreach (var (name, values) in headers)
        {
            // Go keeps Host out of the header map; the target app has its own authority.
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.StartsWith(':'))
            {
                continue;
            }

            var key = s_permanentHeaders.Contains(name) ? "dapr-" + name : name;
            foreach (var value in values)
            {
                GrpcAppCallback.AddText(metadata, key, value ?? "");
            }
        }

        return metadata;
    }

    /// <summary>The HTTP status daprd gives a gRPC status code (<c>invokev1.HTTPStatusFromCode</c>).</summary>
    internal static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.OK => StatusCodes.Status200OK,
        StatusCode.Cancelled => StatusCodes.Status408RequestTimeout,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The status as daprd renders it for an HTTP caller: protojson of <c>{code, message, details}</c>.</summary>
    internal static string StatusJson(GrpcStatus status, GrpcMetadata trailers)
    {
        var rpcStatus = new Google.Rpc.Status { Code = (int)status.StatusCode, Message = status.Detail };
        if (trailers.GetValueBytes("grpc-status-details-bin") is { } details)
        {
            try
            {
                rpcStatus.Details.AddRange(Google.Rpc.Status.Parser.ParseFrom(details).Details);
            }
            catch (InvalidProtocolBufferException)
            {
                // Not a google.rpc.Status: the code and message still say what happened.
            }
        }

        try
        {
            return s_statusJson.Format(rpcStatus);
        }
        catch (InvalidOperationException)
        {
            // A detail of a type the registry does not know cannot be rendered as JSON.
            rpcStatus.Details.Clear();
            return s_statusJson.Format(rpcStatus);
        }
    }

    /// <summary>The app's response headers as HTTP headers (daprd's <c>InternalMetadataToHTTPHeader</c>): reserved names get <c>dapr-</c>.</summary>
    internal static IEnumerable<KeyValuePair<string, string>> ToHttpHeaders(GrpcMetadata headers)
    {
        foreach (var entry in headers)
        {
            if (entry.IsBinary || s_skippedResponseHeaders.Contains(entry.Key))
            {
                continue;
            }

            var name = entry.Key.StartsWith(':') ? "dapr-" + entry.Key[1..]
                : entry.Key.StartsWith("grpc-", StringComparison.Ordinal) ? "dapr-" + entry.Key
                : entry.Key;
            yield return new(name, entry.Value);
        }
    }

    private static async Task WriteAsync(
        HttpResponse http, InvokeResponse? response, GrpcStatus status, GrpcMetadata trailers, GrpcMetadata headers, CancellationToken cancellationToken)
    {
        http.StatusCode = HttpStatus(status.StatusCode);
        foreach (var (name, value) in ToHttpHeaders(headers))
        {
            http.Headers.Append(name, value);
        }

        if (http.StatusCode != (int)HttpStatusCode.OK)
        {
            http.ContentType = "application/json";
            await http.WriteAsync(StatusJson(status, trailers), cancellationToken);
            return;
        }

        var data = response?.Data;
        if (data is { TypeUrl.Length: > 0 })
        {
            http.ContentType = "application/x-protobuf";
        }
        else if (response?.ContentType is { Length: > 0 } contentType)
        {
            http.ContentType = contentType;
        }

        if (data is { Value.Length: > 0 })
        {
            http.ContentLength = data.Value.Length;
            await http.Body.WriteAsync(data.Value.Memory, cancellationToken);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1401, Level = LogLevel.Debug, Message = "The gRPC app {AppId} answered {Method} with {StatusCode}: {Detail}")]
        public static partial void AppError(ILogger logger, string appId, string method, StatusCode statusCode, string detail);
    }
}

/// <summary>The <c>InvokeRequest</c> a gRPC caller sent (<c>InvokeService</c>), left on the <see cref="HttpContext"/> for a gRPC app.</summary>
public sealed record GrpcCallerRequest(InvokeRequest Message);

/// <summary>
/// What a gRPC app answered to <c>OnInvoke</c>, left on the <see cref="HttpContext"/> so that the gRPC
/// head can return it as it is (daprd passes a gRPC app's status and message through <c>InvokeService</c>).
/// </summary>
public sealed record GrpcAppAnswer(InvokeResponse? Response, GrpcStatus Status, GrpcMetadata Headers, GrpcMetadata Trailers);
