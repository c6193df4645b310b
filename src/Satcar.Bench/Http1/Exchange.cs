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

/// <summary>What the client does next once a response has been read (<see cref="Exchange.OnResponse"/>).</summary>
internal enum ResponseStep : byte
{
    /// <summary>A kept-alive connection had been closed by the server before any byte of the response: send again on a new one.</summary>
    Retry,

    /// <summary>No complete response (invalid, or cut short): close the connection; the exchange failed.</summary>
    Fail,

    /// <summary>Complete, and the connection carries the next request.</summary>
    Keep,

    /// <summary>Complete; wait for the server's close, which is ab's <c>done</c> for a connection that is not kept.</summary>
    AwaitClose,

    /// <summary>Complete; the connection is out of step or nobody announced its close, so close it from this side at once.</summary>
    Close,
}

/// <summary>
/// One request and its response, in <see cref="Stopwatch"/> timestamps and ticks, with ab's moments: the connect
/// time, the end of the write (<c>endwrite</c>), the first read that brought bytes (<c>beginread</c>) and the end
/// (<c>done</c>: the last body byte on a kept-alive connection, otherwise the server's close). Its methods are the
/// rules both engines (<see cref="Http1Connection"/> and <see cref="EpollLoop"/>) follow, so that a request is timed,
/// retried and judged the same whichever runs it.
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

    /// <summary>Starts an attempt: the first, or the one after a kept-alive connection turned out to be closed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void BeginAttempt()
    {
        Phase = ExchangePhase.Connecting;
        WireBytes = 0;
    }

    /// <summary>A connection is up (TLS included); its set-up ran from <paramref name="startedTimestamp"/>.</summary>
    public void Connected(long startedTimestamp)
    {
        ConnectTicks += Stopwatch.GetTimestamp() - startedTimestamp;
        Connections++;
    }

    /// <summary>The request is written: ab's <c>endwrite</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Written()
    {
        WriteEndTimestamp = Stopwatch.GetTimestamp();
        Phase = ExchangePhase.Reading;
    }

    /// <summary>
    /// Takes in a response as read and says what to do with the connection. <paramref name="mayRetry"/>: the request
    /// went on a kept-alive connection for the first time, so a close before any response byte means the server shut
    /// the connection while it was idle, and the request goes again once on a new connection, as ab does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ResponseStep OnResponse(in ResponseRead read, ResponseParser parser, WireRequest request, bool mayRetry)
    {
        WireBytes = read.WireBytes;
        FirstByteTimestamp = read.FirstByteTimestamp;
        if (read.Outcome != ReadOutcome.Complete)
        {
            if (read.Outcome == ReadOutcome.ClosedBeforeResponse && mayRetry)
            {
                return ResponseStep.Retry;
            }

            Read = read.Outcome;
            Detail = read.Outcome == ReadOutcome.Invalid ? parser.Error : null;
            return ResponseStep.Fail;
        }

        Status = parser.StatusCode;
        BodyBytes = parser.BodyBytes;
        KeptAlive = request.KeepAlive && parser.ServerKeepsAlive && !read.Leftover && !read.EndOfStream;
        if (KeptAlive)
        {
            return ResponseStep.Keep;
        }

        // ab's done is the server's close when the connection is not kept; a connection that is out of step (bytes
        // after the response) or that nobody announced closing is closed from this side at once.
        return !read.EndOfStream && !read.Leftover && (request.AsksClose || parser.ServerAnnouncedClose)
            ? ResponseStep.AwaitClose
            : ResponseStep.Close;
    }

    /// <summary>
    /// An operation failed with <paramref name="error"/> (the connection is already closed). True when the request
    /// goes again on a new connection: a kept-alive connection the server had closed while idle shows up as a failed
    /// write or read before any response byte, which is retried once, as ab does.
    /// </summary>
    public bool RetriesAfter(Exception error, long bytesReceived, bool mayRetry, bool cancelled)
    {
        if (Phase == ExchangePhase.Reading)
        {
            WireBytes = bytesReceived;
        }

        return mayRetry && WireBytes == 0 && Phase is ExchangePhase.Writing or ExchangePhase.Reading
            && !cancelled && error is IOException or SocketException;
    }

    /// <summary>The exchange ended without a complete response because of <paramref name="error"/>.</summary>
    public void Fail(Exception error)
    {
        Error = error;
        DoneTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>ab's <c>done</c>: the last body byte on a kept-alive connection, the server's close otherwise.</summary>
    public void Done() => DoneTimestamp = Stopwatch.GetTimestamp();
}
