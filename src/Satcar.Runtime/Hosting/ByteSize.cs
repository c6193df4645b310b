using System.Globalization;

namespace Satcar.Runtime.Hosting;

/// <summary>
/// Parses sizes the way daprd's <c>--max-body-size</c> does (Kubernetes quantities): a number with an
/// optional binary (<c>Ki</c>, <c>Mi</c>, <c>Gi</c>, <c>Ti</c>) or decimal (<c>k</c>, <c>M</c>, <c>G</c>, <c>T</c>) suffix.
/// </summary>
public static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] s_suffixes =
    [
        ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40),
        ("k", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
    ];

    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        text = text.Trim();
        long factor = 1;
        foreach (var (suffix, value) in s_suffixes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = value;
                text = text[..^suffix.Length];
                break;
            }
        }

        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number <= 0)
        {
            return false;
        }

        var result = number * factor;
        if (result > long.MaxValue || result != decimal.Truncate(result))
        {
            return false;
        }

        bytes = (long)result;
        return true;
    }
}
