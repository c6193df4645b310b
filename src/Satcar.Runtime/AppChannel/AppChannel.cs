using Satcar.Link.Http;
using Satcar.Runtime.Hosting;

namespace Satcar.Runtime.AppChannel;

/// <summary>
/// How this satcar reaches its app: a base URL (local <c>--app-port</c> or remote <c>--app-url</c>)
/// and one pooled keep-alive connection handler shared by every call to the app.
/// </summary>
public sealed class AppChannel : IDisposable
{
    public AppChannel(SatcarOptions options)
    {
        BaseUri = options.AppBaseUri;
        AppApiToken = string.IsNullOrEmpty(options.AppApiToken) ? null : options.AppApiToken;
        // A remote app's certificate is verified unless --app-tls-skip-verify says otherwise.
        Invoker = new HttpMessageInvoker(
            TlsTrust.Handler(TimeSpan.FromSeconds(10), options.AppTlsCaFile, options.AppTlsSkipVerify), disposeHandler: true);
    }

    /// <summary>The app's base URL; null when the satcar runs without an app.</summary>
    public Uri? BaseUri { get; }

    /// <summary><c>APP_API_TOKEN</c>, set as <c>dapr-api-token</c> on every call to the app.</summary>
    public string? AppApiToken { get; }

    public HttpMessageInvoker Invoker { get; }

    /// <summary>The URL prefix calls are forwarded to: the base URL without a trailing slash.</summary>
    public string DestinationPrefix => BaseUri!.GetLeftPart(UriPartial.Path).TrimEnd('/');

    public void Dispose() => Invoker.Dispose();
}
