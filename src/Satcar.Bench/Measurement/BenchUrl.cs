namespace Satcar.Bench.Measurement;

/// <summary>
/// The URLs satcar bench accepts: http or https with a host. Like ab, a URL without a scheme is taken as http, so the
/// seed's <c>ab … localhost:3500/v1.0/healthz</c> works unchanged.
/// </summary>
internal static class BenchUrl
{
    public static bool TryParse(string text, out Uri? url, out string error)
    {
        url = null;
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var parsed) || string.IsNullOrEmpty(parsed.Host))
        {
            error = $"'{text}' is not an absolute URL such as http://127.0.0.1:3500/v1.0/healthz";
            return false;
        }

        if (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
        {
            error = $"'{text}' must be an http or https URL";
            return false;
        }

        url = parsed;
        error = "";
        return true;
    }
}
