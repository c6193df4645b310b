using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Satcar.Testing;

/// <summary>
/// A TCP relay that stands for a network which passes HTTP/1.1 only (an App Service Environment's
/// front end): a connection that opens with the HTTP/2 preface is closed; any other is relayed to the
/// upstream, and the head of its first request is recorded.
/// </summary>
public sealed class Http1OnlyRelay : IAsyncDisposable
{
    private static readonly byte[] s_http2Preface = Encoding.ASCII.GetBytes("PRI * HTTP/2.0");

    private readonly TcpListener _listener;
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _heads = new();
    private readonly Task _accepting;
    private int _refused;

    private Http1OnlyRelay(TcpListener listener, IPEndPoint upstream)
    {
        _listener = listener;
        _upstream = upstream;
        _accepting = AcceptAsync();
    }

    /// <summary>Where to connect: <c>http://127.0.0.1:PORT</c>.</summary>
    public Uri Uri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>The head (request line and headers) of the first request of every relayed connection.</summary>
    public IReadOnlyList<string> RequestHeads => [.. _heads];

    /// <summary>How many connections opened with HTTP/2 and were closed.</summary>
    public int RefusedHttp2 => Volatile.Read(ref _refused);

    public static Http1OnlyRelay Start(Uri upstream)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new Http1OnlyRelay(listener, new IPEndPoint(IPAddress.Parse(upstream.Host), upstream.Port));
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = RelayAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var inbound = client.GetStream();
                var head = new MemoryStream();
                var buffer = new byte[16 * 1024];
                while (!EndsHead(head))
                {
                    var read = await inbound.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    head.Write(buffer, 0, read);
                    if (head.Length >= s_http2Preface.Length && head.GetBuffer().AsSpan(0, s_http2Preface.Length).SequenceEqual(s_http2Preface))
                    {
                        Interlocked.Increment(ref _refused);
                        return;
                    }
                }

                var text = Encoding.ASCII.GetString(head.GetBuffer(), 0, (int)head.Length);
                _heads.Enqueue(text[..(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2)]);

                using var upstream = new TcpClient();
                await upstream.ConnectAsync(_upstream, _stop.Token);
                var outbound = upstream.GetStream();
                await outbound.WriteAsync(head.GetBuffer().AsMemory(0, (int)head.Length), _stop.Token);
                await Task.WhenAny(inbound.CopyToAsync(outbound, _stop.Token), outbound.CopyToAsync(inbound, _stop.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private static bool EndsHead(MemoryStream head) =>
        Encoding.ASCII.GetString(head.GetBuffer(), 0, (int)head.Length).Contains("\r\n\r\n", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
