using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace Satcar.Bench.Measurement;

/// <summary>
/// Makes the HTTP handlers of a run: one per worker, each with at most one connection, whose connection callback
/// times the TCP connect (and the TLS handshake for https) the way ab's <c>ctime</c> does. The host name is resolved
/// once per run, as ab does, so that name resolution is not part of any request's connect time.
/// </summary>
internal sealed class Connector
{
    private readonly Uri _url;
    // --insecure measures a server whose certificate does not validate (ab never validates certificates).
    private readonly bool _insecure;
    private readonly Lazy<Task<IPAddress[]>> _addresses;

    public Connector(Uri url, bool insecure)
    {
        _url = url;
        _insecure = insecure;
        _addresses = new(() => Resolve(url.DnsSafeHost), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public SocketsHttpHandler CreateHandler(ConnectionTimeline timeline, TimeSpan timeout) => new()
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = 1,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
        ConnectTimeout = timeout,
        // No trace headers: the request on the wire is exactly what the options say.
        ActivityHeadersPropagator = null,
        ConnectCallback = (context, cancellationToken) => ConnectAsync(timeline, cancellationToken),
    };

    private async ValueTask<Stream> ConnectAsync(ConnectionTimeline timeline, CancellationToken cancellationToken)
    {
        var addresses = await _addresses.Value.WaitAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        Stream stream = new NetworkStream(await ConnectSocketAsync(addresses, _url.Port, cancellationToken), ownsSocket: true);

        if (_url.Scheme == Uri.UriSchemeHttps)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            try
            {
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = _url.IdnHost,
                        ApplicationProtocols = [SslApplicationProtocol.Http11],
                        RemoteCertificateValidationCallback = (_, _, _, errors) => errors == SslPolicyErrors.None || _insecure,
                    },
                    cancellationToken);
            }
            catch
            {
                await tls.DisposeAsync();
                throw;
            }

            stream = tls;
        }

        timeline.Connected(Stopwatch.GetTimestamp() - started);
        return new TimingStream(stream, timeline);
    }

    /// <summary>
    /// Tries the addresses in order, as ab does, each with a socket of its own family (a dual-mode socket and the
    /// runtime's multi-address connect cost measurably more per connection without keep-alive).
    /// </summary>
    private static async Task<Socket> ConnectSocketAsync(IPAddress[] addresses, int port, CancellationToken cancellationToken)
    {
        for (var i = 0; ; i++)
        {
            var socket = new Socket(addresses[i].AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(addresses[i], port), cancellationToken);
                return socket;
            }
            catch (SocketException) when (i < addresses.Length - 1)
            {
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    private static async Task<IPAddress[]> Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return [literal];
        }

        var addresses = await Dns.GetHostAddressesAsync(host);
        return addresses.Length > 0 ? addresses : throw new SocketException((int)SocketError.HostNotFound);
    }
}
