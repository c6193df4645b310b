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
/// buffer's size, so there is always room to read.
/// </summary>
internal sealed class ResponseReader
{
    public const int BufferSize = 16 * 1024;

    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;

    public ResponseParser Parser { get; } = new();

    /// <summary>Bytes read so far for the response being read, also when the read ended in an exception.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Forgets what is buffered; for a new connection.</summary>
    public void Clear() => _start = _end = 0;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ResponseRead> ReadAsync(Stream stream, bool isHead, CancellationToken cancellationToken)
    {
        Parser.Reset(isHead);
        BytesReceived = 0;
        long firstByte = 0;
        while (true)
        {
            if (_end > _start)
            {
                var status = Parser.Parse(_buffer.AsSpan(_start, _end - _start), out var consumed);
                _start += consumed;
                if (status != ParseStatus.NeedMore)
                {
                    var outcome = status == ParseStatus.Complete ? ReadOutcome.Complete : ReadOutcome.Invalid;
                    return new ResponseRead(outcome, firstByte, BytesReceived, EndOfStream: false, Leftover: _end > _start);
                }
            }

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

            // An unfinished line is shorter than the parser's line limits, which are below the buffer's size.
            Debug.Assert(_end < _buffer.Length, "the parser's line limits must stay below the buffer size");
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                var outcome = Parser.EndOfStream() ? ReadOutcome.Complete
                    : BytesReceived == 0 ? ReadOutcome.ClosedBeforeResponse
                    : ReadOutcome.ClosedMidResponse;
                return new ResponseRead(outcome, firstByte, BytesReceived, EndOfStream: true, Leftover: false);
            }

            if (firstByte == 0)
            {
                firstByte = Stopwatch.GetTimestamp();
            }

            BytesReceived += read;
            _end += read;
        }
    }

    /// <summary>
    /// Reads until the server closes the connection, discarding what comes: ab's <c>done</c> for a connection that is
    /// not kept alive is the server's close, not the last byte of the body.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask AwaitEndOfStreamAsync(Stream stream, CancellationToken cancellationToken)
    {
        Clear();
        while (await stream.ReadAsync(_buffer, cancellationToken) > 0)
        {
        }
    }
}
