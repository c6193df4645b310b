using System.Text;

namespace Satcar.Runtime.Resources;

/// <summary>
/// Expands <c>${NAME}</c> and <c>$NAME</c> the way Go's <c>os.ExpandEnv</c> does, which is what daprd
/// applies to the text of Configuration files before parsing them: unset names become empty,
/// <c>$</c> before a character that cannot start a name is kept, and a malformed <c>${</c> is dropped.
/// </summary>
public static class EnvExpander
{
    /// <summary>Expands <paramref name="text"/>, looking names up in <paramref name="lookup"/>.</summary>
    public static string Expand(string text, Func<string, string?> lookup)
    {
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

            var (name, consumed) = ReadName(text, i + 1);
            if (name is null && consumed == 0)
            {
                result.Append('$');
                i++;
                continue;
            }

            if (name is not null)
            {
                result.Append(lookup(name));
            }

            i += 1 + consumed;
        }

        return result.ToString();
    }

    /// <summary>Expands with the process environment, after the names in <paramref name="overrides"/>.</summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> overrides) =>
        Expand(text, name => overrides.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name));

    // Mirrors Go's os.getShellName: returns the name and the number of characters it used.
    private static (string? Name, int Consumed) ReadName(string text, int start)
    {
        var c = text[start];
        if (c == '{')
        {
            if (start + 1 < text.Length && IsSpecial(text[start + 1]) && start + 2 < text.Length && text[start + 2] == '}')
            {
                return (text.Substring(start + 1, 1), 3);
            }

            for (var j = start + 1; j < text.Length; j++)
            {
                if (text[j] == '}')
                {
                    // "${}" is bad syntax: Go drops the two characters and expands nothing.
                    return j == start + 1 ? (null, 2) : (text[(start + 1)..j], j - start + 1);
                }
            }

            // No closing brace: Go drops the "{".
            return (null, 1);
        }

        if (IsSpecial(c))
        {
            return (c.ToString(), 1);
        }

        var end = start;
        while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_'))
        {
            end++;
        }

        return end == start ? (null, 0) : (text[start..end], end - start);
    }

    private static bool IsSpecial(char c) =>
        c is '*' or '#' or '$' or '@' or '!' or '?' or '-' || char.IsAsciiDigit(c);
}
