namespace Satcar.Tests.Bench;

/// <summary>
/// A stream that returns the given pieces one per read (a piece larger than the reader's buffer is returned over
/// several reads), then the end of the stream; writes are discarded. Counts the reads, to prove that a bound stops
/// the reader early.
/// </summary>
internal sealed class ScriptedStream(IEnumerable<byte[]> pieces) : Stream
{
    private readonly IEnumerator<byte[]> _pieces = pieces.GetEnumerator();
    private ReadOnlyMemory<byte> _current;

    public int Reads { get; private set; }

    public static ScriptedStream Of(params byte[][] pieces) => new(pieces);

    /// <summary>The bytes split at <paramref name="positions"/> (ascending), one read per piece.</summary>
    public static ScriptedStream SplitAt(byte[] bytes, params int[] positions)
    {
        var pieces = new List<byte[]>();
        var from = 0;
        foreach (var at in positions.Append(bytes.Length))
        {
            pieces.Add(bytes[from..at]);
            from = at;
        }

        return new ScriptedStream(pieces);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Reads++;
        while (_current.IsEmpty)
        {
            if (!_pieces.MoveNext())
            {
                return ValueTask.FromResult(0);
            }

            _current = _pieces.Current;
        }

        var count = Math.Min(buffer.Length, _current.Length);
        _current[..count].CopyTo(buffer);
        _current = _current[count..];
        return ValueTask.FromResult(count);
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count)
    {
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
