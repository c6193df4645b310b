using System.Globalization;
using System.Text;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcMetadata = Grpc.Core.Metadata;
using GrpcStatus = Grpc.Core.Status;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Invocation;
using Verb = Dapr.Client.Autogen.Grpc.v1.HTTPExtension.Types.Verb;

namespace Satcar.Runtime.Api.Grpc;

/// <summary>
/// Service invocation over gRPC (<c>InvokeService</c>, deprecated in daprd but what the .NET SDK's
/// <c>InvokeMethodGrpcAsync</c> calls). The request becomes the same HTTP call the HTTP head makes,
/// through the same <see cref="InvocationService"/>; the answer comes back as an <c>InvokeResponse</c>.
/// </summary>
internal sealed partial class DaprGrpcApi
{
    private const string HttpStatusHeader = "dapr-http-status";

    /// <summary>The most of an error body that becomes the status message.</summary>
    private const int MaxErrorMessageLength = 1024;

    public async Task<InvokeResponse> InvokeServiceAsync(InvokeServiceRequest request, ServerCallContext call)
    {
        var message = request.Message ?? throw ApiErrors.Malformed("InvokeServiceRequest.message is required");
        var target = InvocationTarget.Parse(request.Id);
        var query = message.HttpExtension?.Querystring is { Length: > 0 } q ? "?" + q.TrimStart('?') : "";
        var pathAndQuery = "/" + MethodPath.Normalize(request.Id, [message.Method]) + query;

        var body = message.Data?.Value ?? ByteString.Empty;
        var context = new DefaultHttpContext { RequestAborted = call.CancellationToken };
        context.Features.Set(new GrpcCallerRequest(message));
        context.Request.Method = HttpVerb(message.HttpExtension?.Verb ?? Verb.None);
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost");
        context.Request.Path = pathAndQuery.Split('?')[0];
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body.ToByteArray(), writable: false);
        if (message.ContentType.Length > 0)
        {
            context.Request.ContentType = message.ContentType;
        }

        CopyCallerMetadata(call, context.Request.Headers);

        using var responseBody = new MemoryStream();
        context.Response.Body = responseBody;
        await invocation.InvokeAsync(context, target, pathAndQuery, removeAuthorization: false);
        if (context.Features.Get<GrpcAppAnswer>() is { } answer)
        {
            return await PassThroughAsync(answer, call);
        }

        var status = context.Response.StatusCode;
        await call.WriteResponseHeadersAsync(new GrpcMetadata { { HttpStatusHeader, status.ToString(CultureInfo.InvariantCulture) } });
        if (status is < 200 or > 299)
        {
            throw new RpcException(new GrpcStatus(CodeFromHttpStatus(status), ErrorMessage(status, responseBody)));
        }

        return new InvokeResponse
        {
            Data = new Any { Value = ByteString.CopyFrom(responseBody.GetBuffer(), 0, (int)responseBody.Length) },
            ContentType = context.Response.ContentType ?? "",
        };
    }

    /// <summary>
    /// A gRPC app's answer, as daprd returns it to a gRPC caller: the app's headers, its status (with its
    /// trailers, so rich error details survive) and its <c>InvokeResponse</c> unchanged; no <c>dapr-http-status</c>.
    /// </summary>
    private static async Task<InvokeResponse> PassThroughAsync(GrpcAppAnswer answer, ServerCallContext call)
    {
        var headers = new GrpcMetadata();
        foreach (var entry in answer.Headers)
        {
            if (!entry.IsBinary && entry.Key is not ("content-type" or "date" or "server") && !entry.Key.StartsWith("grpc-", StringComparison.Ordinal))
            {
                headers.Add(entry.Key, entry.Value);
            }
        }

        await call.WriteResponseHeadersAsync(headers);
        if (answer.Status.StatusCode != StatusCode.OK)
        {
            var trailers = new GrpcMetadata();
            foreach (var entry in answer.Trailers)
            {
                if (entry.Key == GrpcErrors.DetailsTrailer || !entry.Key.StartsWith("grpc-", StringComparison.Ordinal))
                {
                    trailers.Add(entry);
                }
            }

            throw new RpcException(answer.Status, trailers);
        }

        return answer.Response ?? new InvokeResponse();
    }

    /// <summary>
    /// The caller's metadata becomes request headers, as daprd passes it to the app: everything but
    /// binary entries, gRPC's own (<c>grpc-*</c>, <c>te</c>, <c>content-type</c>) and pseudo-headers. The
    /// invocation path then removes what never reaches an app (the API token, hop-by-hop and targeting
    /// headers) exactly as for HTTP callers.
    /// </summary>
    private static void CopyCallerMetadata(ServerCallContext call, IHeaderDictionary headers)
    {
        foreach (var entry in call.RequestHeaders)
        {
            if (entry.IsBinary || entry.Key.StartsWith(':') || entry.Key.StartsWith("grpc-", StringComparison.Ordinal)
                || entry.Key is "te" or "content-type" or "content-length" or "host")
            {
                continue;
            }

            headers.Append(entry.Key, entry.Value);
        }
    }

    /// <summary>daprd calls an HTTP app with POST when the request names no verb.</summary>
    private static string HttpVerb(Verb verb) => verb == Verb.None ? HttpMethods.Post : verb.ToString().ToUpperInvariant();

    /// <summary>The gRPC code daprd gives an HTTP status from the app (<c>invokev1.CodeFromHTTPStatus</c>).</summary>
    private static StatusCode CodeFromHttpStatus(int status) => status switch
    {
        400 => StatusCode.InvalidArgument,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.NotFound,
        408 => StatusCode.Cancelled,
        409 => StatusCode.AlreadyExists,
        429 => StatusCode.ResourceExhausted,
        501 => StatusCode.Unimplemented,
        503 => StatusCode.Unavailable,
        504 => StatusCode.DeadlineExceeded,
        _ => StatusCode.Unknown,
    };

    /// <summary>The answer's body when it is short text (the app's or the satcar's error), else the status line's text.</summary>
    private static string ErrorMessage(int status, MemoryStream body)
    {
        if (body.Length is > 0 and <= MaxErrorMessageLength)
        {
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body.GetBuffer(), 0, (int)body.Length);
            }
            catch (DecoderFallbackException)
            {
                // Binary: fall back to the status text.
            }
        }

        return ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : $"HTTP {status}";
    }
}
