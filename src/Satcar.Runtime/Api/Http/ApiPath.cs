using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Satcar.Runtime.Api.Http;

/// <summary>
/// The request path, read once from the raw request target and used for both access control and
/// dispatch. Segments are split on <c>/</c> before percent-decoding, so <c>%2F</c> stays inside its
/// segment (a state key may contain a slash). Empty segments and a trailing slash are dropped as
/// daprd's path cleaning does; dot segments (<c>.</c>, <c>..</c>, also encoded) are refused outright
/// rather than resolved, so no request can reach one route while appearing to address another.
/// </summary>
internal sealed class ApiPath
{
    private ApiPath(string[] raw, string[] decoded)
    {
        Raw = raw;
        Segments = decoded;
    }

    /// <summary>The segments as they arrived (still percent-encoded).</summary>
    public IReadOnlyList<string> Raw { get; }

    /// <summary>The percent-decoded segments.</summary>
    public IReadOnlyList<string> Segments { get; }

    public int Count => Segments.Count;

    public string this[int index] => Segments[index];

    /// <summary>True when the path is exactly these literal segments.</summary>
    public bool Is(string first, string second) => Count == 2 && Segments[0] == first && Segments[1] == second;

    public bool Is(string first, string second, string third) =>
        Count == 3 && Segments[0] == first && Segments[1] == second && Segments[2] == third;

    /// <summary>Parses the request's raw target; returns null and a reason when it is malformed.</summary>
    public static ApiPath? Parse(HttpContext context, out string? error)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        string path;
        if (string.IsNullOrEmpty(target) || target == "*")
        {
            path = context.Request.Path.ToUriComponent();
        }
        else if (target[0] == '/')
        {
            var query = target.IndexOf('?', StringComparison.Ordinal);
            path = query < 0 ? target : target[..query];
        }
        else if (Uri.TryCreate(target, UriKind.Absolute, out var absolute))
        {
            path = absolute.AbsolutePath;
        }
        else
        {
            error = "the request target is not a path";
            return null;
        }

        return Parse(path, out error);
    }

    /// <summary>Parses a raw (percent-encoded) path.</summary>
    public static ApiPath? Parse(string path, out string? error)
    {
        error = null;
        var raw = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var decoded = new string[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            if (!TryDecode(raw[i], out var segment))
            {
                error = $"invalid percent-encoding in path segment '{raw[i]}'";
                return null;
            }

            if (segment is "." or "..")
            {
                error = "the path may not contain '.' or '..' segments";
                return null;
            }

            decoded[i] = segment;
        }

        return new ApiPath(raw, decoded);
    }

    /// <summary>Decodes percent-escapes as UTF-8; fails on a malformed escape or invalid UTF-8, as Go's <c>url.PathUnescape</c> does.</summary>
    public static bool TryDecode(string text, out string decoded)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            decoded = text;
            return true;
        }

        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
                {
                    decoded = "";
                    return false;
                }

                bytes.Add((byte)((HexValue(text[i + 1]) << 4) | HexValue(text[i + 2])));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                var rune = char.IsHighSurrogate(c) && i + 1 < text.Length ? new Rune(c, text[++i]) : new Rune(c);
                var written = rune.EncodeToUtf8(utf8);
                for (var j = 0; j < written; j++)
                {
                    bytes.Add(utf8[j]);
                }
            }
        }

        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. bytes]);
            return true;
        }
        catch (DecoderFallbackException)
        {
            decoded = "";
            return false;
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
