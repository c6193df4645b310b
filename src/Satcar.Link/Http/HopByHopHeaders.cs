using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Satcar.Link.Http;

/// <summary>
/// Removes the headers that belong to one connection (RFC 9110 §7.6.1): the fixed set and every
/// header named in <c>Connection</c>. daprd fixed forwarding of exactly these in 1.17.4; YARP drops
/// the fixed set but forwards names listed in <c>Connection</c>.
/// </summary>
public static class HopByHopHeaders
{
    private static readonly string[] s_fixed =
    [
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "HTTP2-Settings",
        "TE", "Trailer", "Proxy-Authorization", "Proxy-Authenticate",
    ];

    /// <summary>Strips the hop-by-hop headers from <paramref name="headers"/>, reading the names to drop from <paramref name="connection"/>.</summary>
    public static void Strip(IHeaderDictionary headers, StringValues connection)
    {
        foreach (var value in connection)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var token in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                headers.Remove(token);
            }
        }

        foreach (var name in s_fixed)
        {
            headers.Remove(name);
        }
    }

    /// <summary>Strips the hop-by-hop headers of a request in place.</summary>
    public static void Strip(IHeaderDictionary headers) => Strip(headers, headers.Connection);
}
