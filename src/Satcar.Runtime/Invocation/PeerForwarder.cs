using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Satcar.Link.Http;
using Satcar.Runtime.Api.Http;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.NameResolution;
using Yarp.ReverseProxy.Forwarder;

namespace Satcar.Runtime.Invocation;

/// <summary>
/// Invokes an app that another satcar serves: resolves the app id, then forwards verb, method, query,
/// headers and body to that satcar's peer port over pooled keep-alive HTTP/1.1 (https when the peer
/// port has TLS), with YARP's <see cref="IHttpForwarder"/>. The call carries the peer secret and the
/// caller's identity, never the caller's API token. An instance that cannot be reached, or that
/// refuses the call (wrong app, unhealthy app), is set aside for a few seconds and the next one is
/// tried, as long as the body can be sent again.
/// </summary>
public sealed partial class PeerForwarder : IDisposable
{
    /// <summary>The header that carries the peer secret.</summary>
    public const string TokenHeader = "satcar-peer-token";

    /// <summary>Set by a satcar on an answer that refuses a peer call, as opposed to its app's own answer.</summary>
    public const string RefusalHeader = "satcar-peer-error";

    /// <summary>Bodies up to this size are kept in memory so that the call can move to another instance.</summary>
    private const int ReplayableBodyLimit = 1024 * 1024;

    private const int MaxAttempts = 3;

    private static readonly TimeSpan s_quarantine = TimeSpan.FromSeconds(5);

    private static readonly ForwarderRequestConfig s_requestConfig = new()
    {
        ActivityTimeout = TimeSpan.FromSeconds(100),
        // HTTP/1.1 exactly: the point of the peer channel is to cross networks that pass nothing else.
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private readonly IHttpForwarder _forwarder;
    private readonly PeerDirectory _directory;
    private readonly SatcarOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PeerForwarder> _logger;
    private readonly HttpMessageInvoker _invoker;
    private readonly string _scheme;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _quarantined = new(StringComparer.Ordinal);

    public PeerForwarder(IHttpForwarder forwarder, PeerDirectory directory, SatcarOptions options, TimeProvider time, ILogger<PeerForwarder> logger)
    {
        _forwarder = forwarder;
        _directory = directory;
        _options = options;
        _time = time;
        _logger = logger;
        _scheme = options.PeerTls ? "https" : "http";
        // A peer that does not answer a connect within seconds is down; fail fast and try the next one.
        _invoker = new HttpMessageInvoker(TlsTrust.Handler(TimeSpan.FromSeconds(3), options.PeerTlsCaFile, options.PeerTlsSkipVerify), disposeHandler: true);
    }

    public async Task ForwardAsync(HttpContext context, InvocationTarget target, string pathAndQuery, bool removeAuthorization)
    {
        var name = target.ToString();
        if (!_options.PeersEnabled)
        {
            throw ApiErrors.Invoke(name, "peer calls are off: set SATCAR_PEER_SECRET or --peer-secret-file on every satcar");
        }

        IReadOnlyList<PeerEndpoint> instances;
        try
        {
            instances = await _directory.ResolveAsync(target.AppId, target.Namespace ?? _options.Namespace, context.RequestAborted);
        }
        catch (NameResolutionException e)
        {
            throw ApiErrors.Invoke(name, $"cannot resolve app id {name}: {e.Message}");
        }

        if (instances.Count == 0)
        {
            throw ApiErrors.Invoke(name, $"no healthy instance of app {name} is registered");
        }

        var replayable = await BufferSmallBodyAsync(context);
        PrepareHeaders(context, target.AppId, removeAuthorization);

        var attempts = replayable ? Math.Min(instances.Count, MaxAttempts) : 1;
        var lastError = "";
        var order = Order(instances);
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var instance = order[attempt];
            if (attempt > 0)
            {
                ResetForRetry(context);
            }

            var transformer = new Transformer($"/v1.0/invoke/{MethodPath.EncodeSegment(target.AppId)}/method{pathAndQuery}");
            var error = await _forwarder.SendAsync(context, $"{_scheme}://{instance.Authority}", _invoker, s_requestConfig, transformer);
            if (error == ForwarderError.None && transformer.Refusal is null)
            {
                _quarantined.TryRemove(instance.Authority, out _);
                return;
            }

            if (error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled || context.Response.HasStarted)
            {
                return; // the caller went away, or the answer is already under way and YARP has cut it
            }

            lastError = transformer.Refusal ?? Describe(error, context.Features.Get<IForwarderErrorFeature>()?.Exception, instance);
            Quarantine(name, instance, lastError);
            if (error == ForwarderError.RequestBodyClient)
            {
                break;
            }
        }

        await HttpErrors.WriteAsync(context, ApiErrors.Invoke(name, lastError).Error);
    }

    public void Dispose() => _invoker.Dispose();

    /// <summary>Sets a failing instance aside; only the first failure of a streak is logged as a warning.</summary>
    private void Quarantine(string appId, PeerEndpoint instance, string reason)
    {
        var now = _time.GetUtcNow();
        var fresh = !_quarantined.TryGetValue(instance.Authority, out var until) || until <= now;
        _quarantined[instance.Authority] = now + s_quarantine;
        if (fresh)
        {
            Log.InstanceFailed(_logger, appId, instance.Authority, reason);
        }
        else
        {
            Log.InstanceStillFailing(_logger, appId, instance.Authority, reason);
        }
    }

    /// <summary>Instances in a random order, those that failed recently last.</summary>
    private List<PeerEndpoint> Order(IReadOnlyList<PeerEndpoint> instances)
    {
        var now = _time.GetUtcNow();
        return [.. instances
            .OrderBy(i => _quarantined.TryGetValue(i.Authority, out var until) && until > now)
            .ThenBy(_ => Random.Shared.Next())];
    }

    /// <summary>
    /// Keeps a body of up to 1 MiB (or of unknown length, within <c>--max-body-size</c>) in memory so the
    /// call can be sent again to another instance; a larger body streams once.
    /// </summary>
    private async Task<bool> BufferSmallBodyAsync(HttpContext context)
    {
        var request = context.Request;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true || request.ContentLength == 0)
        {
            return true;
        }

        if (request.ContentLength > _options.MaxBodySize)
        {
            throw ApiErrors.Body(RequestReading.TooLarge);
        }

        if (request.ContentLength > ReplayableBodyLimit)
        {
            return false;
        }

        var body = await RequestReading.ReadBodyAsync(context, _options.MaxBodySize);
        request.Body = new MemoryStream(body, writable: false);
        request.ContentLength = body.Length;
        request.Headers.TransferEncoding = default;
        return true;
    }

    private static void ResetForRetry(HttpContext context)
    {
        context.Request.Body.Position = 0;
        context.Response.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);
    }

    private void PrepareHeaders(HttpContext context, string targetAppId, bool removeAuthorization)
    {
        var headers = context.Request.Headers;
        var connection = context.Connection;
        var host = context.Request.Host.Value ?? "";
        HopByHopHeaders.Strip(headers);
        headers.Remove(AppForwarder.AppIdHeader);
        // The caller's API token belongs to this hop only (GHSA-284c-x8m7-9w5h).
        headers.Remove(AppForwarder.ApiTokenHeader);
        if (removeAuthorization)
        {
            headers.Authorization = default;
        }

        headers[TokenHeader] = _options.PeerSecret;
        headers[AppForwarder.CallerAppIdHeader] = _options.AppId;
        headers[AppForwarder.CalleeAppIdHeader] = targetAppId;
        if (_options.Namespace.Length > 0)
        {
            headers[AppForwarder.CallerNamespaceHeader] = _options.Namespace;
        }
        else
        {
            headers.Remove(AppForwarder.CallerNamespaceHeader);
        }

        // daprd appends these on calls to another sidecar.
        var client = connection.RemoteIpAddress?.ToString() ?? "unknown";
        var by = connection.LocalIpAddress?.ToString() ?? "unknown";
        Append(headers, "X-Forwarded-For", client);
        Append(headers, "X-Forwarded-Host", host);
        Append(headers, "Forwarded", $"for={Quote(client)};by={Quote(by)};host={Quote(host)}");
    }

    private static void Append(IHeaderDictionary headers, string name, string value)
    {
        var existing = headers[name].ToString();
        headers[name] = existing.Length == 0 ? value : $"{existing}, {value}";
    }

    // RFC 7239: IPv6 addresses and anything with a colon go in quotes.
    private static string Quote(string value) => value.Contains(':', StringComparison.Ordinal) ? $"\"{value}\"" : value;

    private static string Describe(ForwarderError error, Exception? exception, PeerEndpoint instance) => error switch
    {
        ForwarderError.RequestTimedOut => $"the satcar at {instance} did not answer in time",
        ForwarderError.RequestBodyClient => exception?.Message ?? "the request body could not be read",
        _ => $"the satcar at {instance} is unreachable: {exception?.GetBaseException().Message ?? error.ToString()}",
    };

    /// <summary>Points the request at the peer route and notices when the peer satcar refuses the call.</summary>
    private sealed class Transformer(string pathAndQuery) : HttpTransformer
    {
        /// <summary>Why the peer satcar refused the call, when it did.</summary>
        public string? Refusal { get; private set; }

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
            if (proxyResponse is not null && proxyResponse.Headers.Contains(RefusalHeader))
            {
                Refusal = await ReadMessageAsync(proxyResponse, cancellationToken);
                return false;
            }

            var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            if (proxyResponse is not null)
            {
                HopByHopHeaders.Strip(httpContext.Response.Headers, string.Join(',', proxyResponse.Headers.Connection));
            }

            return proceed;
        }

        private static async Task<string> ReadMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            try
            {
                using var document = JsonDocument.Parse(body);
                return document.RootElement.GetProperty("message").GetString() ?? body;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return $"the peer satcar refused the call ({(int)response.StatusCode})";
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1410, Level = LogLevel.Warning, Message = "Invocation of {AppId} through the satcar at {Instance} failed: {Reason}")]
        public static partial void InstanceFailed(ILogger logger, string appId, string instance, string reason);

        [LoggerMessage(EventId = 1411, Level = LogLevel.Debug, Message = "Invocation of {AppId} through the satcar at {Instance} failed again: {Reason}")]
        public static partial void InstanceStillFailing(ILogger logger, string appId, string instance, string reason);
    }
}
