using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using Grpc.Net.Client.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Satcar.Link.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Satcar.Link;

/// <summary>
/// The link's request path: every request goes to the satcar through YARP's <see cref="IHttpForwarder"/>
/// over one pool of keep-alive connections, with the request target exactly as the app sent it,
/// hop-by-hop headers removed both ways, the satcar's API token added, and bodies streamed. When the
/// satcar cannot be reached the app gets a Dapr-style JSON error at once instead of waiting.
/// </summary>
public sealed partial class LinkForwarder : IDisposable
{
    /// <summary>The link's own health endpoint; it is answered by the link and never forwarded.</summary>
    public const string HealthPath = "/satcar-link/healthz";

    private const string ApiTokenHeader = "dapr-api-token";

    private const int GrpcDeadlineExceeded = 4;
    private const int GrpcUnavailable = 14;

    private readonly IHttpForwarder _forwarder;
    private readonly SatcarLinkOptions _options;
    private readonly ILogger<LinkForwarder> _logger;
    private readonly HttpMessageInvoker _invoker;
    private readonly HttpMessageInvoker _grpcInvoker;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly string _destination;
    private readonly Transformer _transformer;

    public LinkForwarder(IHttpForwarder forwarder, SatcarLinkOptions options, ILogger<LinkForwarder> logger)
    {
        _forwarder = forwarder;
        _options = options;
        _logger = logger;
        var connections = TlsTrust.Handler(options.ConnectTimeout, options.SatcarCaFile, options.SatcarTlsSkipVerify);
        _invoker = new HttpMessageInvoker(connections, disposeHandler: true);
        // gRPC goes over the same connections, framed as gRPC-Web so that it needs nothing but HTTP/1.1.
        _grpcInvoker = new HttpMessageInvoker(
            new GrpcWebHandler(GrpcWebMode.GrpcWeb, connections), disposeHandler: false);
        _requestConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = options.ActivityTimeout,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        _destination = options.SatcarUrl!.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _transformer = new Transformer(options.ApiToken);
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path.Equals(HealthPath, StringComparison.Ordinal) && HttpMethods.IsGet(context.Request.Method))
        {
            await WriteAsync(context, StatusCodes.Status200OK, writer =>
            {
                writer.WriteString("status", "ok");
                writer.WriteString("satcar", _options.SatcarUrl!.ToString());
            });
            return;
        }

        var error = await _forwarder.SendAsync(context, _destination, _invoker, _requestConfig, _transformer);
        if (error is ForwarderError.None or ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled)
        {
            return;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        Log.ForwardFailed(_logger, error, exception);
        if (context.Response.HasStarted)
        {
            return; // YARP has cut the response; there is nothing left to say
        }

        var (status, message) = Describe(error, exception);
        await WriteAsync(context, status, writer =>
        {
            writer.WriteString("errorCode", "ERR_SATCAR_UNREACHABLE");
            writer.WriteString("message", message);
        });
    }

    /// <summary>
    /// A gRPC call from the app (HTTP/2): sent to the satcar as gRPC-Web over HTTP/1.1, the answer and
    /// its trailers turned back into gRPC. When the satcar cannot be reached the app gets a gRPC
    /// <c>Unavailable</c> (or <c>DeadlineExceeded</c>) status at once.
    /// </summary>
    public async Task HandleGrpcAsync(HttpContext context)
    {
        var error = await _forwarder.SendAsync(context, _destination, _grpcInvoker, _requestConfig, _transformer);
        if (error is ForwarderError.None or ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled)
        {
            return;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        Log.ForwardFailed(_logger, error, exception);
        if (context.Response.HasStarted)
        {
            return;
        }

        var (status, message) = Describe(error, exception);
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        // A trailers-only answer: the status travels in the headers of an empty response.
        context.Response.Headers["grpc-status"] = (status == StatusCodes.Status504GatewayTimeout ? GrpcDeadlineExceeded : GrpcUnavailable).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString($"ERR_SATCAR_UNREACHABLE: {message}");
    }

    public void Dispose()
    {
        _grpcInvoker.Dispose();
        _invoker.Dispose();
    }

    private (int Status, string Message) Describe(ForwarderError error, Exception? exception)
    {
        var satcar = _options.SatcarUrl!.Authority;
        var inner = exception?.GetBaseException();
        return (error, inner) switch
        {
            (ForwarderError.RequestTimedOut, _) => (StatusCodes.Status504GatewayTimeout, $"the satcar at {satcar} did not answer within {_options.ActivityTimeout.TotalSeconds} s"),
            (_, TaskCanceledException or TimeoutException) => (StatusCodes.Status503ServiceUnavailable, $"the satcar at {satcar} did not accept a connection within {_options.ConnectTimeout.TotalMilliseconds} ms"),
            (_, SocketException socket) => (StatusCodes.Status502BadGateway, $"the satcar at {satcar} is unreachable: {socket.Message}"),
            (_, AuthenticationException tls) => (StatusCodes.Status502BadGateway, $"TLS to the satcar at {satcar} failed: {tls.Message}"),
            _ => (StatusCodes.Status502BadGateway, $"the call to the satcar at {satcar} failed: {inner?.Message ?? error.ToString()}"),
        };
    }

    private static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        body(writer);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Keeps the request target byte for byte (YARP would rebuild it from the decoded path, turning
    /// <c>%2F</c> into <c>%252F</c>), adds the API token and strips hop-by-hop headers.
    /// </summary>
    private sealed class Transformer(string? apiToken) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(
            HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            HopByHopHeaders.Strip(httpContext.Request.Headers);
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            var target = httpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
            if (target is { Length: > 0 } && target[0] == '/')
            {
                proxyRequest.RequestUri = new Uri(destinationPrefix + target, UriKind.Absolute);
            }

            proxyRequest.Headers.Host = null;
            if (apiToken is not null)
            {
                proxyRequest.Headers.Remove(ApiTokenHeader);
                proxyRequest.Headers.TryAddWithoutValidation(ApiTokenHeader, apiToken);
            }
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
        [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "Forwarding to the satcar failed: {Error}")]
        public static partial void ForwardFailed(ILogger logger, ForwarderError error, Exception? exception);
    }
}
