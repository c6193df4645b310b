using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Satcar.Tests.Bench;

/// <summary>
/// A TCP server on 127.0.0.1 (port from the OS) that reads each request's headers and then does what a test wants
/// instead of answering properly, or hands each connection to a test's own loop (<see cref="Custom"/>). Counts the
/// connections it accepted. Stopped, with every connection it accepted, when disposed.
/// </summary>
internal sealed class MisbehavingServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<Socket, CancellationToken, Task> _behaviour;
    private readonly bool _readRequestFirst;
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _accepted;

    private MisbehavingServer(Func<Socket, CancellationToken, Task> behaviour, bool readRequestFirst = true)
    {
        _behaviour = behaviour;
        _readRequestFirst = readRequestFirst;
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/slow");

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _accepted);

    /// <summary>Hands every accepted connection to <paramref name="behaviour"/>, which reads the requests itself.</summary>
    public static MisbehavingServer Custom(Func<Socket, CancellationToken, Task> behaviour) => new(behaviour, readRequestFirst: false);

    /// <summary>Answers every request on a connection with <paramref name="response"/>, for as long as the client keeps it.</summary>
    public static MisbehavingServer Answering(string response) => Custom(async (socket, ct) =>
    {
        var bytes = Encoding.ASCII.GetBytes(response);
        while (await ReadRequestAsync(socket, ct))
        {
            await socket.SendAsync(bytes, ct);
        }
    });

    /// <summary>Answers the one request of each connection with <paramref name="response"/>, then closes the connection.</summary>
    public static MisbehavingServer AnsweringOnceAndClosing(string response) => Custom(async (socket, ct) =>
    {
        await ReadRequestAsync(socket, ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(response), ct);
        socket.Shutdown(SocketShutdown.Both);
    });

    /// <summary>
    /// Answers the first request on each connection as if it kept the connection, then takes the next request and ends
    /// the connection with <paramref name="end"/> (a close or a reset) instead of answering: what a client sees when the
    /// server shuts a kept-alive connection while it is idle.
    /// </summary>
    public static MisbehavingServer AnsweringOnceThenEnding(string response, Action<Socket> end) => Custom(async (socket, ct) =>
    {
        await ReadRequestAsync(socket, ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(response), ct);
        await ReadRequestAsync(socket, ct);
        end(socket);
    });

    /// <summary>Ends a connection with a FIN.</summary>
    public static void Close(Socket socket) => socket.Shutdown(SocketShutdown.Both);

    /// <summary>Ends a connection with a RST instead of a FIN.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>Sends the start of a response that promises 100 bytes, then closes after three.</summary>
    public static MisbehavingServer ClosingMidResponse() => new(async (socket, ct) =>
    {
        await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"u8.ToArray(), ct);
        socket.Shutdown(SocketShutdown.Both);
    });

    /// <summary>Reads the request and closes without a word.</summary>
    public static MisbehavingServer ClosingBeforeResponse() => new((socket, _) =>
    {
        socket.Shutdown(SocketShutdown.Both);
        return Task.CompletedTask;
    });

    /// <summary>Reads the request and resets the connection (RST instead of FIN).</summary>
    public static MisbehavingServer Resetting() => new((socket, _) =>
    {
        Reset(socket);
        return Task.CompletedTask;
    });

    /// <summary>Reads the request and never answers.</summary>
    public static MisbehavingServer Silent() => new((_, ct) => Task.Delay(Timeout.Infinite, ct));

    /// <summary>Answers with something that is not HTTP.</summary>
    public static MisbehavingServer SpeakingNonsense() => new(async (socket, ct) =>
    {
        await socket.SendAsync("SSH-2.0-OpenSSH_9.2\r\n\r\n"u8.ToArray(), ct);
        await Task.Delay(Timeout.Infinite, ct);
    });

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _accepted);
                lock (_connections)
                {
                    _connections.Add(HandleAsync(socket));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task HandleAsync(Socket socket)
    {
        try
        {
            if (_readRequestFirst)
            {
                await ReadRequestAsync(socket, _stop.Token);
            }

            await _behaviour(socket, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away or the server is stopping.
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>
    /// Reads one request's headers (the tests send no bodies to these servers); false when the client closed first.
    /// Reading the whole request first matters: closing a socket with unread data makes Linux send RST, not FIN.
    /// </summary>
    public static async Task<bool> ReadRequestAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[4096];
        var received = new StringBuilder();
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, ct);
            if (read == 0)
            {
                return false;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        _stop.Dispose();
    }
}
