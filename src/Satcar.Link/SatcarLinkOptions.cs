namespace Satcar.Link;

/// <summary>How a link forwards the app's localhost Dapr port to its satcar.</summary>
public sealed class SatcarLinkOptions
{
    /// <summary>The satcar's Dapr HTTP API, such as <c>https://satcar1.example.net:3500</c>.</summary>
    public Uri? SatcarUrl { get; set; }

    /// <summary>The address the link listens on; loopback by default, since only the app should reach it.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The port the link listens on: the app's <c>DAPR_HTTP_PORT</c> (3500 by default; 0 picks a free one).</summary>
    public int HttpPort { get; set; } = 3500;

    /// <summary>
    /// The port the link takes gRPC on (HTTP/2 without TLS): the app's <c>DAPR_GRPC_PORT</c>, 50001 by
    /// default; 0 picks a free one, null turns gRPC off. The link carries these calls to the satcar's
    /// HTTP port as gRPC-Web over HTTP/1.1.
    /// </summary>
    public int? GrpcPort { get; set; } = 50001;

    /// <summary>The satcar's <c>DAPR_API_TOKEN</c>, added to every request so the app needs no change.</summary>
    public string? ApiToken { get; set; }

    /// <summary>A PEM CA that the satcar's certificate is checked against instead of the system store.</summary>
    public string? SatcarCaFile { get; set; }

    /// <summary>Accept any satcar certificate (insecure).</summary>
    public bool SatcarTlsSkipVerify { get; set; }

    /// <summary>How long a connection to the satcar may take before the link answers with an error.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the satcar may be silent during a request before the link gives up.</summary>
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// Kestrel runs the link's request processing on the thread that read the request instead of the thread pool
    /// (<c>UnsafePreferInlineScheduling</c>). The link's own code never blocks, so this is safe, and it pays off with
    /// the runtime's inline socket completions (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>), a
    /// process-wide setting that <c>satcar link</c> turns on; a link hosted inside an app leaves both to the app.
    /// </summary>
    public bool InlineScheduling { get; set; }

    /// <summary>Every problem with these options, each naming its setting.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (SatcarUrl is null)
        {
            errors.Add("--satcar-url is required");
        }
        else if (!SatcarUrl.IsAbsoluteUri || SatcarUrl.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(SatcarUrl.Query))
        {
            errors.Add($"--satcar-url must be an absolute http:// or https:// URL without a query; got '{SatcarUrl.OriginalString}'");
        }

        if (HttpPort is < 0 or > 65535)
        {
            errors.Add($"--dapr-http-port must be a port number between 0 and 65535; got {HttpPort}");
        }

        if (GrpcPort is < 0 or > 65535)
        {
            errors.Add($"--dapr-grpc-port must be a port number between 0 and 65535; got {GrpcPort}");
        }

        if (GrpcPort is > 0 && GrpcPort == HttpPort)
        {
            errors.Add("--dapr-grpc-port must differ from --dapr-http-port");
        }

        if (!System.Net.IPAddress.TryParse(ListenAddress.Trim('[', ']'), out _) && ListenAddress != "localhost")
        {
            errors.Add($"--listen-address: '{ListenAddress}' is not an IP address or 'localhost'");
        }

        if (SatcarCaFile is not null && !File.Exists(SatcarCaFile))
        {
            errors.Add($"--satcar-ca-file: file '{SatcarCaFile}' does not exist");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add("--connect-timeout must be positive");
        }

        return errors;
    }
}
