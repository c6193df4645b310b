using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;
using Satcar.Runtime.Hosting;

namespace Satcar.Components.Bindings.Http;

/// <summary>
/// <c>bindings.http</c> (https://docs.dapr.io/reference/components-reference/supported-bindings/http/):
/// an output binding that sends one HTTP request per operation to <c>url</c>, as components-contrib's
/// <c>bindings/http</c> does: the operation is the method (<c>create</c> is POST), request metadata
/// <c>path</c> is appended to the URL, metadata keys that start with an uppercase letter become request
/// headers, and the response carries <c>statusCode</c>, <c>status</c> and the response headers as
/// metadata. A non-2xx answer is an error (with that metadata) unless <c>errorIfNot2XX</c> is false.
/// </summary>
internal sealed class HttpBinding(ComponentContext context) : IOutputBinding
{
    private const long DefaultMaxResponseBodySize = 100L << 20;
    private const string JsonUtf8 = "application/json; charset=utf-8";

    private static readonly string[] s_traceKeys = ["traceparent", "tracestate", "baggage"];

    /// <summary>The headers .NET keeps on the content rather than on the request.</summary>
    private static readonly HashSet<string> s_contentHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Allow", "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Location",
        "Content-MD5", "Content-Range", "Content-Type", "Expires", "Last-Modified",
    };

    private HttpClient _client = null!;
    private string _url = "";
    private string? _securityToken;
    private string? _securityTokenHeader;
    private TimeSpan? _responseTimeout;
    private long _maxResponseBodySize = DefaultMaxResponseBodySize;
    private bool _errorIfNot2XX = true;

    public ComponentContext Context { get; } = context;

    public IReadOnlyList<string> Operations { get; } = ["create", "get", "head", "post", "put", "patch", "delete", "options", "trace"];

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        _url = metadata.GetRequiredString("url");
        if (!Uri.TryCreate(_url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw metadata.Invalid("url", $"must be an absolute http:// or https:// URL, got '{_url}'");
        }

        _securityToken = metadata.GetString("securityToken");
        _securityTokenHeader = metadata.GetString("securityTokenHeader");
        if (metadata.GetString("responseTimeout") is not null)
        {
            _responseTimeout = metadata.GetDuration("responseTimeout", TimeSpan.Zero);
        }

        _maxResponseBodySize = ReadMaxResponseBodySize(metadata);
        _errorIfNot2XX = metadata.GetBoolean("errorIfNot2XX", true);

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            // Go's client asks for gzip and decompresses it transparently; so does this one.
            AutomaticDecompression = DecompressionMethods.GZip,
            UseCookies = false,
            // The binding sets traceparent from the request metadata itself.
            ActivityHeadersPropagator = null,
        };
        ConfigureTls(handler, metadata);
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        return Task.CompletedTask;
    }

    public async Task<BindingResponse?> InvokeAsync(BindingRequest request, CancellationToken cancellationToken)
    {
        var metadata = request.Metadata;
        var url = _url;
        if (metadata.TryGetValue("path", out var path) && path.Length > 0)
        {
            url = url.TrimEnd('/') + "/" + path.TrimStart('/');
        }

        var errorIfNot2XX = metadata.TryGetValue("errorIfNot2XX", out var perRequest) && perRequest.Length > 0
            ? IsTruthy(perRequest)
            : _errorIfNot2XX;

        var method = request.Operation.ToUpperInvariant() switch
        {
            "CREATE" or "POST" => HttpMethod.Post,
            "PUT" => HttpMethod.Put,
            "PATCH" => HttpMethod.Patch,
            "GET" => HttpMethod.Get,
            "HEAD" => HttpMethod.Head,
            "DELETE" => HttpMethod.Delete,
            "OPTIONS" => HttpMethod.Options,
            "TRACE" => HttpMethod.Trace,
            _ => throw new BindingOperationNotSupportedException($"invalid operation: {request.Operation}"),
        };

        using var message = new HttpRequestMessage(method, url);
        if (method == HttpMethod.Post || method == HttpMethod.Put || method == HttpMethod.Patch)
        {
            message.Content = new ReadOnlyMemoryContent(request.Data);
            if (!metadata.ContainsKey("Content-Type"))
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", JsonUtf8);
            }
        }

        if (!metadata.ContainsKey("Accept"))
        {
            message.Headers.TryAddWithoutValidation("Accept", JsonUtf8);
        }

        if (_securityToken is not null && _securityTokenHeader is not null)
        {
            SetHeader(message, _securityTokenHeader, _securityToken);
        }

        foreach (var (key, value) in metadata)
        {
            if (key.Length > 0 && char.IsAsciiLetterUpper(key[0]))
            {
                SetHeader(message, key, value);
            }
        }

        foreach (var key in s_traceKeys)
        {
            if (metadata.TryGetValue(key, out var value) && value.Length > 0)
            {
                SetHeader(message, key, value);
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_responseTimeout is { } responseTimeout)
        {
            timeout.CancelAfter(responseTimeout);
        }

        using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var body = await ReadBodyAsync(response, timeout.Token);

        var status = (int)response.StatusCode;
        var responseMetadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["statusCode"] = status.ToString(CultureInfo.InvariantCulture),
            ["status"] = string.IsNullOrEmpty(response.ReasonPhrase) ? status.ToString(CultureInfo.InvariantCulture) : $"{status} {response.ReasonPhrase}",
        };
        AddHeaders(responseMetadata, response.Headers);
        AddHeaders(responseMetadata, response.Content.Headers);

        if (errorIfNot2XX && status is < 200 or > 299)
        {
            throw new BindingException($"received status code {status}", responseMetadata);
        }

        return new BindingResponse(body, responseMetadata);
    }

    /// <summary>Reads at most <c>maxResponseBodySize</c> bytes and drops the rest, as the Go binding's LimitReader does.</summary>
    private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            var keep = _maxResponseBodySize > 0 ? (int)Math.Min(read, _maxResponseBodySize - buffer.Length) : read;
            buffer.Write(chunk, 0, keep);
            if (_maxResponseBodySize > 0 && buffer.Length >= _maxResponseBodySize)
            {
                break;
            }
        }

        return buffer.ToArray();
    }

    private static void SetHeader(HttpRequestMessage message, string name, string value)
    {
        // Go sets request headers by name; Host and Content-Length are the transport's own business, and
        // a name that is not an HTTP token cannot be sent at all.
        if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
            || !name.All(c => c is > ' ' and < (char)0x7f && !"\"(),/:;<=>?@[\\]{}".Contains(c, StringComparison.Ordinal)))
        {
            return;
        }

        if (!s_contentHeaders.Contains(name))
        {
            message.Headers.Remove(name);
            message.Headers.TryAddWithoutValidation(name, value);
            return;
        }

        // A content header (Content-Type, …): on a body-less request it travels with an empty body.
        message.Content ??= new ReadOnlyMemoryContent(ReadOnlyMemory<byte>.Empty);
        message.Content.Headers.Remove(name);
        message.Content.Headers.TryAddWithoutValidation(name, value);
    }

    /// <summary>Response headers as Go exposes them: canonical names, several values joined with ", ".</summary>
    private static void AddHeaders(Dictionary<string, string> metadata, HttpHeaders headers)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            metadata[CanonicalHeaderName(name)] = string.Join(", ", values);
        }
    }

    /// <summary>Go's <c>textproto.CanonicalMIMEHeaderKey</c>: the first letter and each letter after a hyphen upper case, the rest lower case.</summary>
    internal static string CanonicalHeaderName(string name)
    {
        var builder = new StringBuilder(name.Length);
        var upper = true;
        foreach (var c in name)
        {
            if (c is ' ' or ':' || c > 0x7f)
            {
                return name;
            }

            builder.Append(upper ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            upper = c == '-';
        }

        return builder.ToString();
    }

    private static long ReadMaxResponseBodySize(ComponentMetadata metadata)
    {
        if (metadata.GetString("maxResponseBodySize") is not { } text)
        {
            return DefaultMaxResponseBodySize;
        }

        // A value of 0 or below means no limit, as in components-contrib.
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bytes))
        {
            return bytes;
        }

        return ByteSize.TryParse(text, out bytes)
            ? bytes
            : throw metadata.Invalid("maxResponseBodySize", $"must be a size such as '100Mi', '512Ki' or a number of bytes, got '{text}'");
    }

    /// <summary><c>MTLSRootCA</c>, <c>MTLSClientCert</c> and <c>MTLSClientKey</c>: PEM text or the path of a PEM file.</summary>
    private static void ConfigureTls(SocketsHttpHandler handler, ComponentMetadata metadata)
    {
        if (metadata.GetString("MTLSRootCA") is { } rootCa)
        {
            var authorities = new X509Certificate2Collection();
            try
            {
                authorities.ImportFromPem(ReadPem(metadata, "MTLSRootCA", rootCa));
            }
            catch (CryptographicException e)
            {
                throw metadata.Invalid("MTLSRootCA", $"is not a PEM certificate: {e.Message}");
            }

            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(authorities);
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        var clientCert = metadata.GetString("MTLSClientCert");
        var clientKey = metadata.GetString("MTLSClientKey");
        if (clientCert is null && clientKey is null)
        {
            return;
        }

        if (clientCert is null || clientKey is null)
        {
            throw metadata.Invalid(clientCert is null ? "MTLSClientCert" : "MTLSClientKey", "is required when the other of MTLSClientCert and MTLSClientKey is set");
        }

        try
        {
            var certificate = X509Certificate2.CreateFromPem(ReadPem(metadata, "MTLSClientCert", clientCert), ReadPem(metadata, "MTLSClientKey", clientKey));
            handler.SslOptions.ClientCertificates = [certificate];
        }
        catch (CryptographicException e)
        {
            throw metadata.Invalid("MTLSClientCert", $"and MTLSClientKey do not make a certificate with its key: {e.Message}");
        }
    }

    private static string ReadPem(ComponentMetadata metadata, string key, string value)
    {
        if (value.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return value;
        }

        try
        {
            return File.ReadAllText(value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw metadata.Invalid(key, $"is neither PEM text nor a readable file: {e.Message}");
        }
    }

    /// <summary>dapr/kit's <c>IsTruthy</c>: <c>1</c>, <c>true</c>, <c>t</c>, <c>y</c>, <c>yes</c>, <c>on</c> in any case.</summary>
    private static bool IsTruthy(string value) =>
        value.Trim().ToLowerInvariant() is "1" or "true" or "t" or "y" or "yes" or "on";

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        return ValueTask.CompletedTask;
    }
}
