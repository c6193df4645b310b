using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;

namespace Satcar.Bench.Http1;

/// <summary>
/// One closed-loop worker of the <see cref="EpollLoop"/>: a non-blocking socket and the exchange on it, advanced one
/// step each time epoll says the socket is ready. The steps are <see cref="Http1Connection"/>'s, in the same order
/// and with the same rules (<see cref="Exchange"/>) and buffer handling (<see cref="ResponseReader"/>); only the
/// waiting differs. Every method returns true when the exchange has ended and been handed to the run.
/// </summary>
/// <param name="slot">The worker's number, which tags its socket's events in <paramref name="epoll"/>.</param>
/// <param name="epoll">The loop's epoll instance.</param>
/// <param name="connector">Keeps the address that last connected, which a new connection tries first.</param>
/// <param name="target">The run's addresses, resolved once.</param>
/// <param name="request">What every request sends.</param>
/// <param name="timeoutTicks">ab's <c>-s</c>, from the start of a request to its end, retries included.</param>
/// <param name="run">Hands out the request numbers and takes the finished exchanges.</param>
/// <param name="runToken">Cancelled by the time limit or Ctrl-C; a request it ends is abandoned, not retried.</param>
internal sealed class EpollConnection(
    int slot, Epoll epoll, Connector connector, ResolvedTarget target, WireRequest request, long timeoutTicks, IClosedLoopRun run, CancellationToken runToken)
    : IDisposable
{
    private readonly ResponseReader _reader = new();

    // The connection's socket descriptor, -1 while it has none. Only this connection, on the loop's thread, opens and
    // closes it; closing it also takes it out of the epoll set.
    private int _fd = -1;
    private uint _watching;
    private Exchange _exchange;
    private AddressCursor _address;
    private int _requestNumber;
    private int _attempt;
    private bool _mayRetry;
    private int _sent;
    private long _start;
    private long _connectStarted;
    private long _deadline;

    /// <summary>A request is in flight.</summary>
    public bool Busy { get; private set; }

    /// <summary>Starts request number <paramref name="number"/>, with its <c>-s</c> deadline.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Begin(int number)
    {
        Busy = true;
        _requestNumber = number;
        _start = Stopwatch.GetTimestamp();
        _deadline = _start + timeoutTicks;
        _exchange = default;
        _attempt = 0;
        _reader.Parser.CaptureServer = run.CapturesServer;
        return BeginAttempt();
    }

    /// <summary>The socket is ready for what the exchange waits on; spurious readiness is harmless.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool OnReady() => Busy && _exchange.Phase switch
    {
        ExchangePhase.Connecting => OnConnectEnded(),
        ExchangePhase.Writing => Send(),
        ExchangePhase.Reading => Receive(),
        ExchangePhase.AwaitingClose => ReceiveClose(),
        _ => false,
    };

    public bool IsOverdue(long now) => Busy && now > _deadline;

    /// <summary><c>-s</c> passed: the request fails as timed out, wherever it was.</summary>
    public bool TimeOut() => End(new OperationCanceledException(), timedOut: true);

    /// <summary>The time limit or Ctrl-C ended the run with this request in flight.</summary>
    public bool Abandon() => End(new OperationCanceledException(runToken), timedOut: false);

    /// <summary>Closes the connection; for a worker with no more requests, so an idle socket cannot wake the loop.</summary>
    public void Close()
    {
        if (_fd >= 0)
        {
            LinuxInterop.Close(_fd);
            _fd = -1;
        }

        _watching = 0;
        _reader.Clear();
    }

    public void Dispose() => Close();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool BeginAttempt()
    {
        _mayRetry = _fd >= 0 && _attempt == 0;
        _exchange.BeginAttempt();
        if (_fd >= 0)
        {
            return StartSending();
        }

        if (target.Error is { } unresolved)
        {
            return End(unresolved, timedOut: false);
        }

        _connectStarted = Stopwatch.GetTimestamp();
        _address = connector.Addresses(target.EndPoints);
        return Connect();
    }

    // A non-blocking connect, so that the connections of -c > 1 open side by side; EPOLLOUT says when it ended.
    private bool Connect()
    {
        _fd = LinuxInterop.OpenStreamSocket(_address.Current.AddressFamily);
        if (_fd < 0)
        {
            return End(new SocketException(), timedOut: false);
        }

        var address = target.NativeAddress(_address.Index);
        if (LinuxInterop.Connect(_fd, address, address.Length) == 0)
        {
            return OnConnected();
        }

        return Marshal.GetLastPInvokeError() == LinuxInterop.InProgress ? Watch(LinuxInterop.EpollOut) : OnConnectFailed(new SocketException());
    }

    private bool OnConnectEnded() => LinuxInterop.ConnectResult(_fd) is { } error ? OnConnectFailed(error) : OnConnected();

    // As Connector.ConnectAsync: the next address, while there is one.
    private bool OnConnectFailed(SocketException error)
    {
        Close();
        return _address.MoveNext() ? Connect() : End(error, timedOut: false);
    }

    private bool OnConnected()
    {
        connector.Connected(_address);
        _reader.Clear();
        _exchange.Connected(_connectStarted);
        return StartSending();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool StartSending()
    {
        _exchange.Phase = ExchangePhase.Writing;
        _sent = 0;
        return Send();
    }

    // What the socket takes now (a non-blocking send writes what fits and reports that count); the rest of a large
    // body when EPOLLOUT says there is room again.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Send()
    {
        var rest = request.Bytes.AsSpan(_sent);
        var sent = LinuxInterop.Send(_fd, ref MemoryMarshal.GetReference(rest), rest.Length, LinuxInterop.NoSignal);
        if (sent < 0)
        {
            return LinuxInterop.MustWait() ? Watch(LinuxInterop.EpollOut) : End(new SocketException(), timedOut: false);
        }

        _sent += (int)sent;
        if (_sent < request.Bytes.Length)
        {
            return Watch(LinuxInterop.EpollOut);
        }

        _exchange.Written();
        _reader.Begin(request.IsHead);
        return Watch(LinuxInterop.EpollIn);
    }

    // One read per readiness: the loop is level-triggered, so what this read leaves is reported again.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Receive()
    {
        var count = ReceiveSome();
        if (count < 0)
        {
            return !LinuxInterop.MustWait() && End(new SocketException(), timedOut: false);
        }

        if (count == 0)
        {
            return OnResponse(_reader.EndOfStream());
        }

        _reader.Received((int)count);
        return _reader.TryParse(out var read) && OnResponse(read);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool OnResponse(in ResponseRead read)
    {
        switch (_exchange.OnResponse(read, _reader.Parser, request, _mayRetry))
        {
            case ResponseStep.Retry:
                Close();
                _attempt++;
                return BeginAttempt();
            case ResponseStep.Fail:
                Close();
                _exchange.Done();
                return Finish(timedOut: false);
            case ResponseStep.AwaitClose:
                _exchange.Phase = ExchangePhase.AwaitingClose;
                _reader.Clear();
                return false;
            case ResponseStep.Close:
                return CompleteAndClose();
            default:
                _exchange.Done();
                _exchange.Completed = true;
                return Finish(timedOut: false);
        }
    }

    // Discards what comes until the server's close; a reset instead of a FIN still closes the connection.
    private bool ReceiveClose()
    {
        var count = ReceiveSome();
        return (count < 0 ? !LinuxInterop.MustWait() : count == 0) && CompleteAndClose();
    }

    // One recv into the reader's free space: the bytes read, 0 at the server's close, or -1 with errno set.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private nint ReceiveSome()
    {
        var free = _reader.FreeSpace;
        return LinuxInterop.Receive(_fd, ref MemoryMarshal.GetReference(free), free.Length, flags: 0);
    }

    private bool CompleteAndClose()
    {
        _exchange.Done();
        Close();
        _exchange.Completed = true;
        return Finish(timedOut: false);
    }

    // As Http1Connection's catch: close, go again if the rules say so, otherwise the exchange failed.
    private bool End(Exception error, bool timedOut)
    {
        Close();
        if (_exchange.RetriesAfter(error, _reader.BytesReceived, _mayRetry, cancelled: timedOut || runToken.IsCancellationRequested))
        {
            _attempt++;
            return BeginAttempt();
        }

        _exchange.Fail(error);
        return Finish(timedOut);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Finish(bool timedOut)
    {
        Busy = false;
        run.Finished(_requestNumber, _start, _exchange, _reader.Parser, timedOut);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Watch(uint events)
    {
        if (_watching == events)
        {
            return false;
        }

        var failed = _watching == 0 ? epoll.Add(_fd, events, (ulong)slot) : epoll.Modify(_fd, events, (ulong)slot);
        if (failed is not null)
        {
            return End(failed, timedOut: false);
        }

        _watching = events;
        return false;
    }
}
