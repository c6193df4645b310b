using System.Text;
using Satcar.Bench.Http1;

namespace Satcar.Bench.Measurement;

/// <summary>
/// What every request of a run sends: ab's URL, <c>-m</c>, <c>-p</c>, <c>-T</c> and <c>-H</c>, serialised once per run
/// (<see cref="ToWire"/>). Requests go out as HTTP/1.1 (ab sends HTTP/1.0) with ab's default headers: Host, User-Agent
/// and Accept, Content-Type and Content-Length with a body, and <c>Connection: close</c> without keep-alive.
/// </summary>
internal sealed class RequestTemplate
{
    private static readonly string s_userAgent = $"satcar-bench/{typeof(RequestTemplate).Assembly.GetName().Version?.ToString(3)}";

    // A header given with -H replaces the default of the same name, as in ab; the body's own length is not replaceable.
    private static readonly HashSet<string> s_replaceable = new(StringComparer.OrdinalIgnoreCase) { "Host", "User-Agent", "Accept", "Content-Type", "Connection" };

    public RequestTemplate(Uri url, HttpMethod method, byte[]? body = null, string contentType = "text/plain", IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        Url = url;
        Method = method;
        Body = body;
        ContentType = contentType;
        Headers = headers ?? [];
    }

    public Uri Url { get; }

    public HttpMethod Method { get; }

    public byte[]? Body { get; }

    public string ContentType { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The same request for another target (<c>--compare</c>).</summary>
    public RequestTemplate WithUrl(Uri url) => new(url, Method, Body, ContentType, Headers);

    /// <summary>The request as it goes on the wire, for a run with or without keep-alive.</summary>
    public WireRequest ToWire(bool keepAlive)
    {
        var host = Url.HostNameType == UriHostNameType.IPv6 ? Url.Host : Url.IdnHost;
        var fields = new List<KeyValuePair<string, string>>
        {
            new("Host", Url.IsDefaultPort ? host : $"{host}:{Url.Port}"),
            new("User-Agent", s_userAgent),
            new("Accept", "*/*"),
        };
        if (Body is not null)
        {
            fields.Add(new("Content-Type", ContentType));
            fields.Add(new("Content-Length", Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (!keepAlive)
        {
            fields.Add(new("Connection", "close"));
        }

        foreach (var (name, value) in Headers)
        {
            var existing = s_replaceable.Contains(name) ? fields.FindIndex(f => f.Key.Equals(name, StringComparison.OrdinalIgnoreCase)) : -1;
            if (existing >= 0)
            {
                fields[existing] = new(name, value);
            }
            else
            {
                fields.Add(new(name, value));
            }
        }

        var head = new StringBuilder().Append(Method.Method).Append(' ').Append(Url.PathAndQuery).Append(" HTTP/1.1\r\n");
        foreach (var (name, value) in fields)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("\r\n");
        var bytes = Encoding.Latin1.GetBytes(head.ToString());
        if (Body is { Length: > 0 } body)
        {
            bytes = [.. bytes, .. body];
        }

        var asksClose = fields.Any(f => f.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase)
            && f.Value.Split(',').Any(token => token.Trim().Equals("close", StringComparison.OrdinalIgnoreCase)));
        return new WireRequest(bytes, Method == HttpMethod.Head, keepAlive, asksClose);
    }

    /// <summary>
    /// Splits an ab-style header (<c>Name: value</c>); false when there is no name or no colon, when the value holds a
    /// line break, or for Content-Length and Transfer-Encoding, which follow from <c>-p</c>.
    /// </summary>
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

        var value = text[(colon + 1)..].Trim();
        if (value.Any(c => c is '\r' or '\n' or '\0') || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        header = new(name, value);
        return true;
    }
}
