namespace Satcar.Bench.Measurement;

/// <summary>
/// What every request of a run sends: ab's URL, <c>-m</c>, <c>-p</c>, <c>-T</c> and <c>-H</c>. Requests always go out as
/// HTTP/1.1 (ab sends HTTP/1.0); for https the connection callback does the TLS handshake itself so that it counts as
/// connect time, as in ab, and the handler sees a plain http URL.
/// </summary>
internal sealed class RequestTemplate
{
    private static readonly string s_userAgent = $"satcar-bench/{typeof(RequestTemplate).Assembly.GetName().Version?.ToString(3)}";

    private readonly Uri _wireUri;

    public RequestTemplate(Uri url, HttpMethod method, byte[]? body = null, string contentType = "text/plain", IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        Url = url;
        Method = method;
        Body = body;
        ContentType = contentType;
        Headers = headers ?? [];
        _wireUri = url.Scheme == Uri.UriSchemeHttps ? new UriBuilder(url) { Scheme = Uri.UriSchemeHttp, Port = url.Port }.Uri : url;
    }

    public Uri Url { get; }

    public HttpMethod Method { get; }

    public byte[]? Body { get; }

    public string ContentType { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    public bool IsTls => Url.Scheme == Uri.UriSchemeHttps;

    /// <summary>The same request for another target (<c>--compare</c>).</summary>
    public RequestTemplate WithUrl(Uri url) => new(url, Method, Body, ContentType, Headers);

    public HttpRequestMessage Create(bool keepAlive)
    {
        var request = new HttpRequestMessage(Method, _wireUri)
        {
            Version = System.Net.HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (IsTls)
        {
            // The handler sees http://host:443; the server must see the host the user asked for.
            request.Headers.Host = Url.Authority;
        }

        request.Headers.TryAddWithoutValidation("User-Agent", s_userAgent);
        request.Headers.TryAddWithoutValidation("Accept", "*/*");
        if (!keepAlive)
        {
            request.Headers.ConnectionClose = true;
        }

        if (Body is not null)
        {
            request.Content = new ByteArrayContent(Body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }

        foreach (var (name, value) in Headers)
        {
            AddHeader(request, name, value);
        }

        return request;
    }

    // A header given with -H replaces the default of the same name, as in ab.
    private static void AddHeader(HttpRequestMessage request, string name, string value)
    {
        if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
        {
            request.Headers.Host = value;
            return;
        }

        if (IsContentHeader(name))
        {
            request.Content ??= new ByteArrayContent([]);
            request.Content.Headers.Remove(name);
            request.Content.Headers.TryAddWithoutValidation(name, value);
            return;
        }

        if (s_replaceable.Contains(name))
        {
            request.Headers.Remove(name);
        }

        request.Headers.TryAddWithoutValidation(name, value);
    }

    private static readonly HashSet<string> s_replaceable = new(StringComparer.OrdinalIgnoreCase) { "User-Agent", "Accept" };

    private static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) || name.Equals("Expires", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase) || name.Equals("Allow", StringComparison.OrdinalIgnoreCase);

    /// <summary>Splits an ab-style header (<c>Name: value</c>); false when there is no name or no colon.</summary>
    public static bool TryParseHeader(string text, out KeyValuePair<string, string> header)
    {
        header = default;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        var name = text[..colon].Trim();
        if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal)))
        {
            return false;
        }

        header = new(name, text[(colon + 1)..].Trim());
        return true;
    }
}
