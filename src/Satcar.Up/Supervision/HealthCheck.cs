using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Satcar.Up.Supervision;

/// <summary>How satcar up tells that a process it started is ready for the next ones.</summary>
internal abstract record HealthCheck
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    // No proxy: an http_proxy in the environment must not capture probes of loopback addresses.
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromSeconds(10),
        ConnectTimeout = ProbeTimeout,
    })
    {
        Timeout = ProbeTimeout,
    };

    /// <summary>What is probed, for messages: <c>GET http://127.0.0.2:3500/v1.0/healthz/outbound → 204</c>.</summary>
    public abstract string Description { get; }

    /// <summary>Null when healthy, else why not (the last reason is reported when the wait runs out).</summary>
    public abstract Task<string?> ProbeAsync(CancellationToken cancellationToken);

    /// <summary>An HTTP GET that must answer <see cref="Status"/>.</summary>
    public sealed record Http(Uri Uri, HttpStatusCode Status) : HealthCheck
    {
        public override string Description => $"GET {Uri} answers {(int)Status}";

        public override async Task<string?> ProbeAsync(CancellationToken cancellationToken)
        {
            try
            {
                using var response = await Client.GetAsync(Uri, cancellationToken);
                return response.StatusCode == Status ? null : $"GET {Uri} answered {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return $"GET {Uri}: {e.Message}";
            }
        }
    }

    /// <summary>A TCP connection must be accepted.</summary>
    public sealed record Tcp(string Address, int Port) : HealthCheck
    {
        public override string Description => $"{Address}:{Port} accepts TCP connections";

        public override async Task<string?> ProbeAsync(CancellationToken cancellationToken)
        {
            using var client = new TcpClient(AddressFamilyOf(Address));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbeTimeout);
            try
            {
                await client.ConnectAsync(IPAddress.Parse(Address), Port, timeout.Token);
                return null;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return $"{Address}:{Port}: {e.Message}";
            }
        }
    }

    /// <summary>Redis must answer PING with PONG.</summary>
    public sealed record RedisPing(string Address, int Port) : HealthCheck
    {
        public override string Description => $"redis at {Address}:{Port} answers PING";

        public override async Task<string?> ProbeAsync(CancellationToken cancellationToken)
        {
            using var client = new TcpClient(AddressFamilyOf(Address));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbeTimeout);
            try
            {
                await client.ConnectAsync(IPAddress.Parse(Address), Port, timeout.Token);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
                var buffer = new byte[64];
                var read = await stream.ReadAsync(buffer, timeout.Token);
                var answer = Encoding.ASCII.GetString(buffer, 0, read).TrimEnd();
                return answer == "+PONG" ? null : $"PING answered '{answer}'";
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return $"{Address}:{Port}: {e.Message}";
            }
        }
    }

    private static AddressFamily AddressFamilyOf(string address) => IPAddress.Parse(address).AddressFamily;
}
