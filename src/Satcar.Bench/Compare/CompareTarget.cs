using Satcar.Bench.Measurement;

namespace Satcar.Bench.Compare;

/// <summary>One <c>--compare NAME=URL</c>.</summary>
internal sealed record CompareTarget(string Name, Uri Url)
{
    /// <summary>Parses <c>NAME=URL</c>; the error names what is wrong, for a usage message.</summary>
    public static bool TryParse(string text, out CompareTarget? target, out string error)
    {
        target = null;
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            error = $"expects NAME=URL; got '{text}'";
            return false;
        }

        var name = text[..equals].Trim();
        var url = text[(equals + 1)..].Trim();
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            error = $"NAME may use letters, digits, '-', '_' and '.'; got '{name}'";
            return false;
        }

        if (!BenchUrl.TryParse(url, out var uri, out error))
        {
            error = $"{name}: {error}";
            return false;
        }

        target = new CompareTarget(name, uri!);
        error = "";
        return true;
    }
}
