using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Satcar.Bench.Http1;

/// <summary>
/// The measuring client's async engine: a minimal HTTP/1.1 client on a raw socket (and
/// <see cref="System.Net.Security.SslStream"/> for https) that writes a pre-serialised request and parses the response
/// itself, one worker's connection at a time, on .NET's async sockets. It runs https, open-loop (<c>--rate</c>) runs
/// and everything on platforms without epoll; a closed-loop http run on Linux goes on the <see cref="EpollLoop"/>,
/// which follows the same rules (<see cref="Exchange"/>, <see cref="ResponseReader"/>) on one thread.
/// The raw client exists because .NET's HttpClient stack cost measurably more CPU per request than ab's socket loop:
/// on the 2-vCPU machine where client and server share the cores, satcar bench's means were 1.2× (-k -c 1), 1.9×
/// (-k -c 4) and 1.65× (no keep-alive) ab's on the same target (bench/results/2026-11-25-0221-ab-agreement.md), which
/// is the client's cost, not the server's. Here a kept-alive request is one write and, usually, one read into a
/// buffer the worker keeps, with nothing allocated. The async sockets under it still cost more than ab's loop (an
/// eager receive that finds nothing, the hand-off from the runtime's epoll thread, the state machines): 1.35× ab's
/// mean at -k -c 4, which is why closed-loop http on Linux does not run here.
/// </summary>
internal sealed class Http1Connection(Connector connector) : IDisposable
{
    private readonly ResponseReader _reader = new();
    private Stream? _stream;

    public ResponseParser Parser => _reader.Parser;

    public bool IsOpen => _stream is not null;

    /// <summary>
    /// Sends the request and reads the response, opening a connection first when there is none. Never throws: what went
    /// wrong is in the result. When a kept-alive connection turns out to be closed before a byte of the response came
    /// (the server shut it while idle), the request goes again once on a new connection, as ab does.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Exchange> SendAsync(WireRequest request, CancellationToken cancellationToken)
    {
        var exchange = default(Exchange);
        for (var attempt = 0; ; attempt++)
        {
            var mayRetry = _stream is not null && attempt == 0;
            exchange.BeginAttempt();
            try
            {
                if (_stream is null)
                {
                    var endpoints = await connector.EndPointsAsync(cancellationToken);
                    var started = Stopwatch.GetTimestamp();
                    var socket = await connector.ConnectAsync(endpoints, cancellationToken);
                    exchange.Phase = ExchangePhase.Handshake;
                    _stream = await connector.OpenStreamAsync(socket, cancellationToken);
                    _reader.Clear();
                    exchange.Connected(started);
                }

                exchange.Phase = ExchangePhase.Writing;
                await _stream.WriteAsync(request.Bytes, cancellationToken);
                exchange.Written();

                var read = await _reader.ReadAsync(_stream, request.IsHead, cancellationToken);
                switch (exchange.OnResponse(read, Parser, request, mayRetry))
                {
                    case ResponseStep.Retry:
                        Close();
                        continue;
                    case ResponseStep.Fail:
                        Close();
                        exchange.Done();
                        return exchange;
                    case ResponseStep.AwaitClose:
                        exchange.Phase = ExchangePhase.AwaitingClose;
                        await AwaitCloseAsync(_stream, cancellationToken);
                        exchange.Done();
                        Close();
                        break;
                    case ResponseStep.Close:
                        exchange.Done();
                        Close();
                        break;
                    default:
                        exchange.Done();
                        break;
                }

                exchange.Completed = true;
                return exchange;
            }
            catch (Exception e)
            {
                Close();
                if (exchange.RetriesAfter(e, _reader.BytesReceived, mayRetry, cancellationToken.IsCancellationRequested))
                {
                    continue;
                }

                exchange.Fail(e);
                return exchange;
            }
        }
    }

    // A reset instead of a FIN still closes the connection after a complete response.
    private async ValueTask AwaitCloseAsync(Stream stream, CancellationToken cancellationToken)
    {
        try
        {
            await _reader.AwaitEndOfStreamAsync(stream, cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException && !cancellationToken.IsCancellationRequested)
        {
        }
    }

    public void Close()
    {
        _stream?.Dispose();
        _stream = null;
        _reader.Clear();
    }

    public void Dispose() => Close();
}
