using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Satcar.Link.Http;
using Satcar.Runtime.Api.Http;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;
using Yarp.ReverseProxy.Forwarder;

namespace Satcar.Runtime.Invocation;

/// <summary>
/// Forwards an invocation to this satcar's app with YARP's <see cref="IHttpForwarder"/>: the verb,
/// query, headers and streamed body go through; hop-by-hop headers, the caller's API token and the
/// targeting headers do not; daprd's identity headers and <c>APP_API_TOKEN</c> are set. The app's
/// status, headers and body come back as they are. A gRPC app is called with the same prepared request
/// through <see cref="GrpcAppInvoker"/> instead.
/// </summary>
public sealed partial class AppForwarder(
    IHttpForwarder forwarder,
    AppChannel.AppChannel channel,
    GrpcAppInvoker grpcApp,
    SatcarOptions options,
    ILogger<AppForwarder> logger)
{
    public const string ApiTokenHeader = "dapr-api-token";
    public const string AppIdHeader = "dapr-app-id";
    public const string CallerAppIdHeader = "dapr-caller-app-id";
    public const string CallerNamespaceHeader = "dapr-caller-namespace";
    public const string CalleeAppIdHeader = "dapr-callee-app-id";

    private static readonly ForwarderRequestConfig s_requestConfig = new()
    {
        ActivityTimeout = TimeSpan.FromSeconds(100),
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    /// <summary>Calls the app; failures before the app answered are rendered as <c>ERR_DIRECT_INVOKE</c>.</summary>
    /// <param name="context">The caller's request; its headers are rewritten in place.</param>
    /// <param name="call">The method and the identities to present to the app.</param>
    public async Task ForwardAsync(HttpContext context, AppCall call)
    {
        if (channel.BaseUri is null)
        {
            throw ApiErrors.Invoke(call.CalleeAppId, "app channel is not initialized");
        }

        await EnsureBodyWithinLimitAsync(context);
        PrepareHeaders(context.Request.Headers, call);
        if (grpcApp.Enabled)
        {
            await grpcApp.InvokeAsync(context, call);
            return;
        }

        var error = await forwarder.SendAsync(
            context, channel.DestinationPrefix, channel.Invoker, s_requestConfig, new Transformer(call.PathAndQuery));
        if (error == ForwarderError.None)
        {
            return;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        Log.ForwardFailed(logger, call.CalleeAppId, error, exception);
        switch (error)
        {
            case ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled:
                return; // the caller went away; there is nobody to answer
            case ForwarderError.RequestBodyClient when exception is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                await HttpErrors.WriteAsync(context, ApiErrors.Body(RequestReading.TooLarge).Error);
                return;
            case ForwarderError.RequestTimedOut:
                await HttpErrors.WriteAsync(context, ApiErrors.Invoke(call.CalleeAppId, "the app did not answer in time").Error);
                return;
            default:
                await HttpErrors.WriteAsync(context, ApiErrors.Invoke(call.CalleeAppId, exception?.Message ?? error.ToString()).Error);
                return;
        }
    }

    /// <summary>
    /// A body over <c>--max-body-size</c> must never reach the app. A declared length is checked up
    /// front; a body of unknown length (chunked) is read into memory first, within the same limit.
    /// </summary>
    private async Task EnsureBodyWithinLimitAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength is { } length)
        {
            if (length > options.MaxBodySize)
            {
                throw ApiErrors.Body(RequestReading.TooLarge);
            }

            return;
        }

        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true)
        {
            return;
        }

        var body = await RequestReading.ReadBodyAsync(context, options.MaxBodySize);
        request.Body = new MemoryStream(body, writable: false);
        request.ContentLength = body.Length;
        request.Headers.TransferEncoding = default;
    }

    private void PrepareHeaders(IHeaderDictionary headers, AppCall call)
    {
        HopByHopHeaders.Strip(headers);
        headers.Remove(AppIdHeader);
        if (call.RemoveAuthorization)
        {
            headers.Authorization = default;
        }

        // The caller's token and the peer secret never reach the app; the app sees only its own APP_API_TOKEN.
        headers.Remove(ApiTokenHeader);
        headers.Remove(PeerForwarder.TokenHeader);
        if (channel.AppApiToken is { } appToken)
        {
            headers[ApiTokenHeader] = appToken;
        }

        // daprd overwrites whatever identity headers a client sent.
        headers[CallerAppIdHeader] = call.CallerAppId;
        headers[CalleeAppIdHeader] = call.CalleeAppId;
        if (call.CallerNamespace.Length > 0)
        {
            headers[CallerNamespaceHeader] = call.CallerNamespace;
        }
        else
        {
            headers.Remove(CallerNamespaceHeader);
        }
    }

    /// <summary>Points the outgoing request at the method and strips hop-by-hop headers from the app's answer.</summary>
    private sealed class Transformer(string pathAndQuery) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(
            HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.RequestUri = new Uri(destinationPrefix + pathAndQuery, UriKind.Absolute);

            // The receiver sees its own authority as Host; the caller's is in X-Forwarded-Host.
            proxyRequest.Headers.Host = null;
        }

        public override async ValueTask<bool> TransformResponseAsync(
            HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            if (proxyResponse is not null)
            {
                HopByHopHeaders.Strip(httpContext.Response.Headers, string.Join(',', proxyResponse.Headers.Connection));
            }

            return proceed;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1400, Level = LogLevel.Debug, Message = "Invocation of {AppId} failed: {Error}")]
        public static partial void ForwardFailed(ILogger logger, string appId, ForwarderError error, Exception? exception);
    }
}

/// <summary>One call to the app: where it goes and who it says is calling.</summary>
/// <param name="PathAndQuery">The canonical method path with a leading slash, then the caller's raw query string.</param>
/// <param name="CallerAppId">The app id presented as <c>dapr-caller-app-id</c>.</param>
/// <param name="CallerNamespace">The namespace presented as <c>dapr-caller-namespace</c>; empty for none.</param>
/// <param name="CalleeAppId">The app id presented as <c>dapr-callee-app-id</c>.</param>
/// <param name="RemoveAuthorization">True when <c>Authorization</c> only carried the target (daprd's basic-auth form).</param>
public sealed record AppCall(string PathAndQuery, string CallerAppId, string CallerNamespace, string CalleeAppId, bool RemoveAuthorization = false);
