using System.Diagnostics;

namespace Satcar.Bench.Measurement;

/// <summary>
/// The moments ab keeps per connection (<c>connect</c>, <c>endwrite</c>, <c>beginread</c>), for the one request a
/// worker has in flight. A worker owns one handler with at most one connection, so whatever the connection callback
/// and the <see cref="TimingStream"/> see belongs to that worker's current request.
/// </summary>
internal sealed class ConnectionTimeline
{
    private long _connectTicks;
    private long _lastWriteEnd;
    private long _firstRead;
    private long _wireBytesRead;
    private int _connections;
    private long _writeStarted;

    /// <summary>Forgets the previous request; called just before a request is sent.</summary>
    public void BeginRequest()
    {
        Volatile.Write(ref _connectTicks, 0);
        Volatile.Write(ref _lastWriteEnd, 0);
        Volatile.Write(ref _firstRead, 0);
        Volatile.Write(ref _wireBytesRead, 0);
        Volatile.Write(ref _connections, 0);
        Volatile.Write(ref _writeStarted, 0);
    }

    /// <summary>A connection (TCP, and TLS for https) was established for the current request.</summary>
    public void Connected(long elapsedTicks)
    {
        Interlocked.Add(ref _connectTicks, elapsedTicks);
        Interlocked.Increment(ref _connections);
    }

    /// <summary>A write of request bytes is about to start; reads from now on belong to the response.</summary>
    public void WriteStarting() => Volatile.Write(ref _writeStarted, Stopwatch.GetTimestamp());

    /// <summary>
    /// A write of request bytes completed; the last one before the response starts is ab's <c>endwrite</c>. The
    /// response cannot begin before the request is on the wire, so when the first response bytes were seen before this
    /// completion was (the writing thread was descheduled in between, while another thread read), the write ended
    /// between its start and those bytes, and its start is taken.
    /// </summary>
    public void Wrote()
    {
        var now = Stopwatch.GetTimestamp();
        var firstRead = Volatile.Read(ref _firstRead);
        if (firstRead == 0)
        {
            Volatile.Write(ref _lastWriteEnd, now);
        }
        else if (Volatile.Read(ref _lastWriteEnd) == 0)
        {
            Volatile.Write(ref _lastWriteEnd, Math.Min(Volatile.Read(ref _writeStarted), firstRead));
        }
    }

    /// <summary>
    /// A read completed. The first one after the request was written that brought bytes is ab's <c>beginread</c>.
    /// A zero-byte read (the handler's way to wait for data without a buffer) completes when data arrives, so it
    /// counts too.
    /// </summary>
    public void Read(int bytes, bool zeroByteRead)
    {
        if (bytes > 0)
        {
            Interlocked.Add(ref _wireBytesRead, bytes);
        }

        if ((bytes > 0 || zeroByteRead) && Volatile.Read(ref _writeStarted) != 0 && Volatile.Read(ref _firstRead) == 0)
        {
            Volatile.Write(ref _firstRead, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>Time spent connecting during the current request; 0 when it reused a kept-alive connection.</summary>
    public long ConnectTicks => Volatile.Read(ref _connectTicks);

    /// <summary>How many connections the current request opened (more than one when a kept-alive one was closed by the server).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Bytes read off the wire (status line, headers and body) for the current request.</summary>
    public long WireBytesRead => Volatile.Read(ref _wireBytesRead);

    /// <summary>ab's <c>wait</c>: request written to first response byte, or -1 when either moment was not seen.</summary>
    public long WaitTicks
    {
        get
        {
            var write = Volatile.Read(ref _lastWriteEnd);
            var read = Volatile.Read(ref _firstRead);
            return write == 0 || read == 0 ? -1 : Math.Max(0, read - write);
        }
    }
}
