using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Satcar.Bench.Http1;

/// <summary>Where an exchange was when it stopped.</summary>
internal enum ExchangePhase : byte
{
    Connecting,
    Handshake,
    Writing,
    Reading,

    /// <summary>The response was complete; waiting for the close the server announced (or the request asked for).</summary>
    AwaitingClose,
}

/// <summary>
/// One request and its response, in <see cref="Stopwatch"/> timestamps and ticks, with ab's moments: the connect
/// time, the end of the write (<c>endwrite</c>), the first read that brought bytes (<c>beginread</c>) and the end
/// (<c>done</c>: the last body byte on a kept-alive connection, otherwise the server's close).
/// </summary>
internal struct Exchange
{
    /// <summary>A whole response arrived.</summary>
    public bool Completed;

    /// <summary>When not completed and nothing was thrown: invalid, or closed before or in the middle of the response.</summary>
    public ReadOutcome Read;

    /// <summary>What was thrown, cancellation included; null when the exchange ended with a value.</summary>
    public Exception? Error;

    /// <summary>Why the response was invalid.</summary>
    public string? Detail;

    public ExchangePhase Phase;
    public int Status;
    public bool KeptAlive;

    /// <summary>Connections opened for this request: 0 on a kept-alive one, 2 when a kept-alive one had been closed by the server.</summary>
    public int Connections;
    public long ConnectTicks;
    public long WriteEndTimestamp;
    public long FirstByteTimestamp;
    public long DoneTimestamp;
    public long WireBytes;
    public long BodyBytes;
}

/// <summary>
/// The measuring client: a minimal HTTP/1.1 client on a raw socket (and <see cref="System.Net.Security.SslStream"/> for
/// https) that writes a pre-serialised request and parses the response itself, one worker's connection at a time.
/// It exists because .NET's HttpClient stack cost measurably more CPU per request than ab's socket loop: on the
/// 2-vCPU machine where client and server share the cores, satcar bench's means were 1.2× (-k -c 1), 1.9× (-k -c 4)
/// and 1.65× (no keep-alive) ab's on the same target (bench/results/2026-11-25-0221-ab-agreement.md), which is the
/// client's cost, not the server's. Here a kept-alive request is one write and, usually, one read into a buffer the
/// worker keeps, with nothing allocated.
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
            var reused = _stream is not null;
            exchange.Phase = ExchangePhase.Connecting;
            exchange.WireBytes = 0;
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
                    exchange.ConnectTicks += Stopwatch.GetTimestamp() - started;
                    exchange.Connections++;
                }

                exchange.Phase = ExchangePhase.Writing;
                await _stream.WriteAsync(request.Bytes, cancellationToken);
                exchange.WriteEndTimestamp = Stopwatch.GetTimestamp();

                exchange.Phase = ExchangePhase.Reading;
                var read = await _reader.ReadAsync(_stream, request.IsHead, cancellationToken);
                exchange.WireBytes = read.WireBytes;
                exchange.FirstByteTimestamp = read.FirstByteTimestamp;
                if (read.Outcome != ReadOutcome.Complete)
                {
                    Close();
                    if (read.Outcome == ReadOutcome.ClosedBeforeResponse && reused && attempt == 0)
                    {
                        continue;
                    }

                    exchange.Read = read.Outcome;
                    exchange.Detail = read.Outcome == ReadOutcome.Invalid ? Parser.Error : null;
                    exchange.DoneTimestamp = Stopwatch.GetTimestamp();
                    return exchange;
                }

                exchange.Status = Parser.StatusCode;
                exchange.BodyBytes = Parser.BodyBytes;
                exchange.KeptAlive = request.KeepAlive && Parser.ServerKeepsAlive && !read.Leftover && !read.EndOfStream;
                if (!exchange.KeptAlive)
                {
                    // ab's done is the server's close when the connection is not kept; a connection that is out of step
                    // (bytes after the response) or that nobody announced closing is closed from this side at once.
                    if (!read.EndOfStream && !read.Leftover && (request.AsksClose || Parser.ServerAnnouncedClose))
                    {
                        exchange.Phase = ExchangePhase.AwaitingClose;
                        await AwaitCloseAsync(_stream, cancellationToken);
                    }

                    exchange.DoneTimestamp = Stopwatch.GetTimestamp();
                    Close();
                }
                else
                {
                    exchange.DoneTimestamp = Stopwatch.GetTimestamp();
                }

                exchange.Completed = true;
                return exchange;
            }
            catch (Exception e)
            {
                Close();
                if (exchange.Phase == ExchangePhase.Reading)
                {
                    exchange.WireBytes = _reader.BytesReceived;
                }

                if (reused && attempt == 0 && exchange.WireBytes == 0 && exchange.Phase is ExchangePhase.Writing or ExchangePhase.Reading
                    && !cancellationToken.IsCancellationRequested && e is IOException or SocketException)
                {
                    continue;
                }

                exchange.Error = e;
                exchange.DoneTimestamp = Stopwatch.GetTimestamp();
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
