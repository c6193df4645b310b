using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace Satcar.Bench.Http1;

/// <summary>
/// Opens the connections of a run: a TCP socket to the target, and TLS on it for https. The host name is resolved once
/// per run, as ab does, so that name resolution is not part of any request's connect time, and the address that last
/// connected is tried first, as ab keeps the address that worked (a "localhost" that resolves to ::1 first while the
/// server listens on 127.0.0.1 would otherwise pay a refused connect per connection).
/// </summary>
internal sealed class Connector
{
    private readonly Uri _url;
    private readonly Lazy<Task<IPEndPoint[]>> _endpoints;
    private readonly SslClientAuthenticationOptions? _tls;
    private int _preferred;

    public Connector(Uri url, bool insecure)
    {
        _url = url;
        _endpoints = new(() => ResolveAsync(url.DnsSafeHost, url.Port), LazyThreadSafetyMode.ExecutionAndPublication);
        if (url.Scheme == Uri.UriSchemeHttps)
        {
            _tls = new SslClientAuthenticationOptions
            {
                TargetHost = url.IdnHost,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
                // --insecure measures a server whose certificate does not validate (ab never validates certificates).
                RemoteCertificateValidationCallback = (_, _, _, errors) => errors == SslPolicyErrors.None || insecure,
            };
        }
    }

    public bool IsTls => _tls is not null;

    /// <summary>Waits for the target's addresses; they are resolved on first use and kept for the run.</summary>
    public Task<IPEndPoint[]> EndPointsAsync(CancellationToken cancellationToken) => _endpoints.Value.WaitAsync(cancellationToken);

    /// <summary>The order in which a new connection tries the run's addresses: the one that last connected first.</summary>
    public AddressCursor Addresses(IPEndPoint[] endpoints) => new(endpoints, Volatile.Read(ref _preferred));

    /// <summary>The address <paramref name="cursor"/> is on connected; the next connection tries it first.</summary>
    public void Connected(in AddressCursor cursor) => Volatile.Write(ref _preferred, cursor.Index);

    /// <summary>
    /// A socket for one address, of that address's family: a dual-mode socket and the runtime's multi-address connect
    /// cost measurably more per connection. Nagle is off so that the rest of a request too large for one send leaves at
    /// once instead of waiting for the server's delayed ACK.
    /// </summary>
    public static Socket NewSocket(IPEndPoint endpoint) => new(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

    /// <summary>Connects a socket, trying the addresses in turn (the one that last worked first).</summary>
    public async ValueTask<Socket> ConnectAsync(IPEndPoint[] endpoints, CancellationToken cancellationToken)
    {
        var cursor = Addresses(endpoints);
        while (true)
        {
            var socket = NewSocket(cursor.Current);
            try
            {
                await socket.ConnectAsync(cursor.Current, cancellationToken);
                Connected(cursor);
                return socket;
            }
            catch (SocketException) when (cursor.MoveNext())
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

    /// <summary>The stream requests go over: the socket itself for http, TLS on it (handshake done) for https.</summary>
    public async ValueTask<Stream> OpenStreamAsync(Socket socket, CancellationToken cancellationToken)
    {
        var network = new NetworkStream(socket, ownsSocket: true);
        if (_tls is null)
        {
            return network;
        }

        var tls = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(_tls, cancellationToken);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    private static async Task<IPEndPoint[]> ResolveAsync(string host, int port)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return [new IPEndPoint(literal, port)];
        }

        var addresses = await Dns.GetHostAddressesAsync(host);
        return addresses.Length > 0 ? [.. addresses.Select(a => new IPEndPoint(a, port))] : throw new SocketException((int)SocketError.HostNotFound);
    }
}

/// <summary>Walks a run's addresses once, from the one that last connected, wrapping around.</summary>
internal struct AddressCursor(IPEndPoint[] endpoints, int first)
{
    private int _attempt;

    /// <summary>The position of <see cref="Current"/> in the run's addresses.</summary>
    public readonly int Index => (first + _attempt) % endpoints.Length;

    public readonly IPEndPoint Current => endpoints[Index];

    /// <summary>Moves to the next address; false when every address has been tried.</summary>
    public bool MoveNext() => ++_attempt < endpoints.Length;
}
