namespace Satcar.Bench.Measurement;

/// <summary>
/// The connection's stream as the HTTP handler sees it, reporting to a <see cref="ConnectionTimeline"/> when writes
/// complete and when reads bring bytes; that is where ab's <c>endwrite</c> and <c>beginread</c> are taken. An operation
/// that completes later is timed by a continuation that runs on the thread completing it, not after the awaiting code
/// is scheduled again: on a busy machine that delay can exceed the server's whole answer, and the response would seem
/// to arrive before the request was written.
/// </summary>
internal sealed class TimingStream(Stream inner, ConnectionTimeline timeline) : Stream
{
    public override bool CanRead => inner.CanRead;

    public override bool CanWrite => inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        timeline.Read(read, buffer.IsEmpty);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var pending = inner.ReadAsync(buffer, cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            var read = pending.Result;
            timeline.Read(read, buffer.IsEmpty);
            return ValueTask.FromResult(read);
        }

        var zeroByteRead = buffer.IsEmpty;
        return new ValueTask<int>(pending.AsTask().ContinueWith(
            (task, state) =>
            {
                var read = task.GetAwaiter().GetResult();
                ((ConnectionTimeline)state!).Read(read, zeroByteRead);
                return read;
            },
            timeline,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default));
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        timeline.WriteStarting();
        inner.Write(buffer);
        timeline.Wrote();
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        timeline.WriteStarting();
        var pending = inner.WriteAsync(buffer, cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            pending.GetAwaiter().GetResult();
            timeline.Wrote();
            return ValueTask.CompletedTask;
        }

        return new ValueTask(pending.AsTask().ContinueWith(
            (task, state) =>
            {
                task.GetAwaiter().GetResult();
                ((ConnectionTimeline)state!).Wrote();
            },
            timeline,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default));
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
