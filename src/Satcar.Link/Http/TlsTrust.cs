using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Satcar.Link.Http;

/// <summary>
/// How a client connection checks the server's certificate: the system trust store by default, a
/// given CA file (PEM) instead, or not at all when explicitly told to skip verification.
/// </summary>
public static class TlsTrust
{
    public static void Apply(SocketsHttpHandler handler, string? caFile, bool skipVerify)
    {
        if (skipVerify)
        {
            // Only with an explicit --*-tls-skip-verify flag, which the start logs as insecure.
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
            return;
        }

        if (caFile is null)
        {
            return;
        }

        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(caFile);
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(authorities);
        handler.SslOptions.CertificateChainPolicy = policy;
    }

    /// <summary>A handler for pooled keep-alive HTTP/1.1 calls with the given trust.</summary>
    public static SocketsHttpHandler Handler(TimeSpan connectTimeout, string? caFile, bool skipVerify)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            // The caller's traceparent passes through unchanged; the satcar does not start spans of its own.
            ActivityHeadersPropagator = null,
        };
        Apply(handler, caFile, skipVerify);
        return handler;
    }

    /// <summary>True when a validation error is only about the chain, for messages that tell the user what to configure.</summary>
    public static bool IsTrustError(SslPolicyErrors errors) => errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors);
}
