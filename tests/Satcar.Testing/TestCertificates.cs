using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Satcar.Testing;

/// <summary>A throwaway certificate authority and a server certificate for 127.0.0.0/8 and localhost, written as PEM files.</summary>
public sealed class TestCertificates
{
    private TestCertificates(string caFile, string certFile, string keyFile, X509Certificate2 server)
    {
        CaFile = caFile;
        CertFile = certFile;
        KeyFile = keyFile;
        Server = server;
    }

    /// <summary>The CA certificate (PEM) that signed <see cref="CertFile"/>.</summary>
    public string CaFile { get; }

    /// <summary>The server certificate (PEM).</summary>
    public string CertFile { get; }

    /// <summary>The server certificate's private key (PEM).</summary>
    public string KeyFile { get; }

    /// <summary>The server certificate with its private key, for Kestrel.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>An HTTP handler (HTTP/1.1 and HTTP/2) that trusts exactly this CA: what a client given <c>--satcar-ca-file</c> does.</summary>
    public SocketsHttpHandler TrustingHandler()
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(CaFile));
        return new SocketsHttpHandler
        {
            SslOptions =
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
    }

    /// <summary>Creates the CA and a server certificate valid for the given loopback addresses.</summary>
    public static TestCertificates Create(string directory, params string[] addresses)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=satcar test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        // One clock reading for both certificates, and a CA that outlives the server certificate by a day: the server's
        // validity must lie within its issuer's, and certificates keep whole seconds only, so two readings of the clock
        // (or one truncated and one not) could put the server's end a second past the CA's.
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=satcar test server", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        foreach (var address in addresses.Append("127.0.0.1").Distinct())
        {
            names.AddIpAddress(IPAddress.Parse(address));
        }

        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(serverKey);

        Directory.CreateDirectory(directory);
        var caFile = Path.Combine(directory, "ca.pem");
        var certFile = Path.Combine(directory, "server.pem");
        var keyFile = Path.Combine(directory, "server.key");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        File.WriteAllText(certFile, withKey.ExportCertificatePem());
        File.WriteAllText(keyFile, serverKey.ExportPkcs8PrivateKeyPem());
        return new TestCertificates(caFile, certFile, keyFile, X509Certificate2.CreateFromPemFile(certFile, keyFile));
    }
}
