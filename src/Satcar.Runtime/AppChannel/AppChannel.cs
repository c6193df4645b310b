using Grpc.Core;
using Grpc.Net.Client;
using Satcar.Link.Http;
using Satcar.Runtime.Hosting;

namespace Satcar.Runtime.AppChannel;

/// <summary>
/// How this satcar reaches its app: a base URL (local <c>--app-port</c> or remote <c>--app-url</c>)
/// and one pooled keep-alive connection handler shared by every call to the app. With
/// <c>--app-protocol grpc</c> or <c>grpcs</c> it also holds the gRPC channel that calls Dapr's
/// <c>AppCallback</c> service (HTTP/2 with prior knowledge, or over TLS with the same trust settings).
/// </summary>
public sealed class AppChannel : IDisposable
{
    private readonly GrpcChannel? _grpc;

    public AppChannel(SatcarOptions options)
    {
        BaseUri = options.AppBaseUri;
        AppApiToken = string.IsNullOrEmpty(options.AppApiToken) ? null : options.AppApiToken;
        // A remote app's certificate is verified unless --app-tls-skip-verify says otherwise.
        Invoker = new HttpMessageInvoker(
            TlsTrust.Handler(TimeSpan.FromSeconds(10), options.AppTlsCaFile, options.AppTlsSkipVerify), disposeHandler: true);
        Protocol = options.AppIsGrpc || BaseUri is null ? options.AppProtocol : BaseUri.Scheme;
        if (options.AppIsGrpc && BaseUri is not null)
        {
            var scheme = options.AppProtocol == "grpcs" ? "https" : "http";
            _grpc = GrpcChannel.ForAddress(new UriBuilder(BaseUri) { Scheme = scheme, Path = "/" }.Uri, new GrpcChannelOptions
            {
                // Grpc.Net.Client sends HTTP/2 requests with an exact version policy: h2c with prior knowledge on http.
                HttpHandler = TlsTrust.Handler(TimeSpan.FromSeconds(10), options.AppTlsCaFile, options.AppTlsSkipVerify),
                DisposeHttpClient = true,
                MaxReceiveMessageSize = (int)Math.Min(options.MaxBodySize, int.MaxValue),
                MaxSendMessageSize = (int)Math.Min(options.MaxBodySize, int.MaxValue),
            });
            Grpc = _grpc.CreateCallInvoker();
        }
    }

    /// <summary>The app's base URL; null when the satcar runs without an app.</summary>
    public Uri? BaseUri { get; }

    /// <summary><c>http</c>, <c>https</c>, <c>grpc</c> or <c>grpcs</c>, as the metadata API reports it.</summary>
    public string Protocol { get; }

    /// <summary><c>APP_API_TOKEN</c>, set as <c>dapr-api-token</c> on every call to the app.</summary>
    public string? AppApiToken { get; }

    public HttpMessageInvoker Invoker { get; }

    /// <summary>The gRPC calls to the app; null unless the app speaks gRPC.</summary>
    public CallInvoker? Grpc { get; }

    /// <summary>The URL prefix calls are forwarded to: the base URL without a trailing slash.</summary>
    public string DestinationPrefix => BaseUri!.GetLeftPart(UriPartial.Path).TrimEnd('/');

    public void Dispose()
    {
        Invoker.Dispose();
        _grpc?.Dispose();
    }
}
