using System.Text;
using Satcar.Runtime.Errors;

namespace Satcar.Runtime.Invocation;

/// <summary>
/// The one normalisation of an invoked method, used for every decision about it and for the call
/// itself (Dapr's April 2026 ACL-bypass fix rests on the same rule). The method arrives as decoded
/// path segments; a segment may hold an encoded <c>/</c>, so it is split again. Dot segments,
/// control characters, <c>#</c> and <c>?</c> are refused, so <c>..%2F</c> and <c>%2e%2e</c> never reach an app.
/// The result is re-encoded canonically, one segment at a time.
/// </summary>
public static class MethodPath
{
    /// <summary>The canonical, percent-encoded method path (without a leading slash).</summary>
    public static string Normalize(string appId, IEnumerable<string> decodedSegments)
    {
        var parts = new List<string>();
        foreach (var segment in decodedSegments)
        {
            foreach (var part in segment.Split('/'))
            {
                if (part.Length == 0)
                {
                    continue;
                }

                if (part is "." or "..")
                {
                    throw ApiErrors.InvalidMethod(appId, "the method may not contain '.' or '..' segments");
                }

                foreach (var c in part)
                {
                    if (char.IsControl(c) || c is '#' or '?')
                    {
                        throw ApiErrors.InvalidMethod(appId, "the method may not contain control characters, '#' or '?'");
                    }
                }

                parts.Add(EncodeSegment(part));
            }
        }

        return string.Join('/', parts);
    }

    /// <summary>Percent-encodes a decoded segment, keeping the characters RFC 3986 allows in a path segment.</summary>
    public static string EncodeSegment(string segment)
    {
        if (segment.All(IsPathChar))
        {
            return segment;
        }

        var result = new StringBuilder(segment.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(segment))
        {
            if (b < 0x80 && IsPathChar((char)b))
            {
                result.Append((char)b);
            }
            else
            {
                result.Append('%').Append(Convert.ToHexString([b]));
            }
        }

        return result.ToString();
    }

    // RFC 3986 pchar: unreserved / sub-delims / ":" / "@" (a percent sign is always encoded).
    private static bool IsPathChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or ':' or '@';
}
