using System.Text;

namespace Satcar.Up.Topology;

/// <summary>
/// Expands <c>${NAME}</c>, <c>${NAME:-default}</c> (the default when NAME is unset or empty) and
/// <c>$$</c> (a literal <c>$</c>) in a topology file's values, as Docker Compose does. A <c>$</c>
/// before anything else is kept as it is. Unlike Compose, an unset NAME without a default is an error,
/// because a port or an address that silently becomes empty fails later and further away.
/// </summary>
internal static class VariableExpansion
{
    /// <summary>Expands <paramref name="text"/>; returns null and a message when it cannot.</summary>
    public static string? Expand(string text, Func<string, string?> lookup, out string? error)
    {
        error = null;
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '$' || i + 1 >= text.Length)
            {
                result.Append(c);
                i++;
                continue;
            }

            var next = text[i + 1];
            if (next == '$')
            {
                result.Append('$');
                i += 2;
                continue;
            }

            if (next != '{')
            {
                result.Append(c);
                i++;
                continue;
            }

            var close = text.IndexOf('}', i + 2);
            if (close < 0)
            {
                error = $"'${{' at position {i} has no closing '}}'";
                return null;
            }

            var body = text[(i + 2)..close];
            var separator = body.IndexOf(":-", StringComparison.Ordinal);
            var name = separator >= 0 ? body[..separator] : body;
            if (!IsName(name))
            {
                error = $"'${{{body}}}' is not a variable reference; write ${{NAME}} or ${{NAME:-default}} (and $$ for a literal $)";
                return null;
            }

            var value = lookup(name);
            if (separator >= 0)
            {
                result.Append(string.IsNullOrEmpty(value) ? body[(separator + 2)..] : value);
            }
            else if (value is null)
            {
                error = $"environment variable {name} is not set (give a default with ${{{name}:-value}})";
                return null;
            }
            else
            {
                result.Append(value);
            }

            i = close + 1;
        }

        return result.ToString();
    }

    private static bool IsName(string name) =>
        name.Length > 0
        && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');
}
