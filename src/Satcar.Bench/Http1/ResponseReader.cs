using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Satcar.Bench.Http1;

/// <summary>How reading one response ended.</summary>
internal enum ReadOutcome : byte
{
    Complete,
    Invalid,

    /// <summary>The server closed the connection before sending a byte of the response.</summary>
    ClosedBeforeResponse,

    /// <summary>The server closed the connection after some of the response and before its end.</summary>
    ClosedMidResponse,
}

/// <summary>One response as read off a connection.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="FirstByteTimestamp">When the first read that brought bytes returned (ab's <c>beginread</c>); 0 if none did.</param>
/// <param name="WireBytes">Bytes read: status lines, headers, framing and body.</param>
/// <param name="EndOfStream">The server closed the connection (a close-delimited body ends so).</param>
/// <param name="Leftover">Bytes came after the end of the response, so the connection is out of step and is not reused.</param>
internal readonly record struct ResponseRead(ReadOutcome Outcome, long FirstByteTimestamp, long WireBytes, bool EndOfStream, bool Leftover);

/// <summary>
/// Reads responses off one connection after another into a buffer it keeps for the life of a worker, so that the hot
/// path allocates nothing: the parser consumes what each read brings, a line that is not complete yet is moved to the
/// front of the buffer, and the next read appends to it. The parser's bounds keep an unfinished line well below the
/// buffer's size, so there is always room to read. The steps are synchronous (<see cref="Begin"/>,
/// <see cref="FreeSpace"/>, <see cref="Received"/>, <see cref="TryParse"/>, <see cref="EndOfStream"/>) so that the
/// epoll engine, which reads the socket itself when it is ready, shares them with <see cref="ReadAsync"/>.
/// </summary>
internal sealed class ResponseReader
{
    public const int BufferSize = 16 * 1024;

    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;
    private long _firstByte;

    public ResponseParser Parser { get; } = new();

    /// <summary>Bytes read so far for the response being read, also when the read ended in an exception.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Where the next read goes; after <see cref="Clear"/>, the whole buffer.</summary>
    public Span<byte> FreeSpace => _buffer.AsSpan(_end);

    private Memory<byte> FreeMemory => _buffer.AsMemory(_end);

    /// <summary>Forgets what is buffered; for a new connection.</summary>
    public void Clear() => _start = _end = 0;

    /// <summary>Starts reading a response; <paramref name="isHead"/> because a response to HEAD has no body whatever its headers say.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Begin(bool isHead)
    {
        Parser.Reset(isHead);
        BytesReceived = 0;
        _firstByte = 0;
        Compact();
    }

    /// <summary>A read put <paramref name="count"/> bytes (more than none) into <see cref="FreeSpace"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Received(int count)
    {
        if (_firstByte == 0)
        {
            _firstByte = Stopwatch.GetTimestamp();
        }

        BytesReceived += count;
        _end += count;
    }

    /// <summary>Parses what is buffered; true, with how it ended, when the response is complete or invalid.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryParse(out ResponseRead read)
    {
        if (_end > _start)
        {
            var status = Parser.Parse(_buffer.AsSpan(_start, _end - _start), out var consumed);
            _start += consumed;
            if (status != ParseStatus.NeedMore)
            {
                var outcome = status == ParseStatus.Complete ? ReadOutcome.Complete : ReadOutcome.Invalid;
                read = new ResponseRead(outcome, _firstByte, BytesReceived, EndOfStream: false, Leftover: _end > _start);
                return true;
            }
        }

        Compact();
        read = default;
        return false;
    }

    /// <summary>The server closed the connection: how that ends the response being read.</summary>
    public ResponseRead EndOfStream()
    {
        var outcome = Parser.EndOfStream() ? ReadOutcome.Complete
            : BytesReceived == 0 ? ReadOutcome.ClosedBeforeResponse
            : ReadOutcome.ClosedMidResponse;
        return new ResponseRead(outcome, _firstByte, BytesReceived, EndOfStream: true, Leftover: false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ResponseRead> ReadAsync(Stream stream, bool isHead, CancellationToken cancellationToken)
    {
        Begin(isHead);
        ResponseRead read;
        while (!TryParse(out read))
        {
            var count = await stream.ReadAsync(FreeMemory, cancellationToken);
            if (count == 0)
            {
                return EndOfStream();
            }

            Received(count);
        }

        return read;
    }

    /// <summary>
    /// Reads until the server closes the connection, discarding what comes: ab's <c>done</c> for a connection that is
    /// not kept alive is the server's close, not the last byte of the body.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask AwaitEndOfStreamAsync(Stream stream, CancellationToken cancellationToken)
    {
        Clear();
        while (await stream.ReadAsync(FreeMemory, cancellationToken) > 0)
        {
        }
    }

    // Moves an unfinished line to the front so that the next read appends to it. An unfinished line is shorter than
    // the parser's line limits, which are below the buffer's size, so there is always room to read.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compact()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        Debug.Assert(_end < _buffer.Length, "the parser's line limits must stay below the buffer size");
    }
}
