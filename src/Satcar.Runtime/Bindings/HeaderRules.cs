namespace Satcar.Runtime.Bindings;

/// <summary>
/// Which metadata entries can travel as HTTP headers (response <c>metadata.*</c> headers, input binding
/// events sent to the app): names must be RFC 9110 tokens and values printable ASCII, which is what
/// Kestrel and <c>SocketsHttpHandler</c> accept. An entry that fails is left out rather than failing the call.
/// </summary>
internal static class HeaderRules
{
    public static bool IsToken(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c <= ' ' || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsValue(string value)
    {
        foreach (var c in value)
        {
            if ((c < ' ' && c != '\t') || c >= 0x7f)
            {
                return false;
            }
        }

        return true;
    }
}
