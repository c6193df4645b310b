using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;
using Satcar.Runtime.Resources;

namespace Satcar.Tests.Bindings;

/// <summary>
/// A TimeProvider whose clock moves only when the test says so. Timers (those behind
/// <c>Task.Delay(…, timeProvider)</c> and timed cancellation) fire from <see cref="Advance"/>.
/// </summary>
internal sealed class FakeTimeProvider(DateTimeOffset start, TimeZoneInfo? localZone = null) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<FakeTimer> _timers = [];
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override TimeZoneInfo LocalTimeZone => localZone ?? TimeZoneInfo.Utc;

    /// <summary>When the earliest armed timer is due; null when none is armed.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate)
            {
                return _timers.Where(t => t.Due is not null).Select(t => t.Due).Min();
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way, in order.</summary>
    public void Advance(TimeSpan by)
    {
        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + by;
        }

        for (var fired = 0; fired < 10_000; fired++)
        {
            FakeTimer? due;
            lock (_gate)
            {
                due = _timers.Where(t => t.Due is { } d && d <= target).OrderBy(t => t.Due).FirstOrDefault();
                if (due is null)
                {
                    _now = target;
                    return;
                }

                _now = due.Due!.Value;
                due.Due = due.Period > TimeSpan.Zero ? _now + due.Period : null;
            }

            due.Fire();
        }

        throw new InvalidOperationException("timers kept firing without the clock reaching its target");
    }

    /// <summary>Waits (in real time, with a deadline) until a timer is armed, so an advance reaches the code under test.</summary>
    public async Task<DateTimeOffset> WaitForTimerAsync(DateTimeOffset? after = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (NextDue is { } due && (after is null || due > after))
            {
                return due;
            }

            await Task.Delay(5);
        }

        throw new TimeoutException("no timer was armed within 10 s");
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }

        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
            }

            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._gate)
            {
                Due = null;
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>A logger that keeps every message, for tests that wait for a decision the code under test logs.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries => [.. _entries];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, eventId, formatter(state, exception)));

    public async Task WaitForAsync(int eventId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_entries.Any(e => e.Id.Id == eventId))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"event {eventId} was not logged within 10 s; logged: {string.Join(" | ", _entries.Select(e => e.Message))}");
            }

            await Task.Delay(10);
        }
    }
}

/// <summary>Helpers to put components into a <see cref="ComponentStore"/> the way the initializer does.</summary>
internal static class TestComponents
{
    public static LoadedComponent Loaded(string name, string type, IComponent instance, params (string Key, string Value)[] metadata) =>
        new(
            new ComponentResource { Name = name, Type = type, Version = "v1", File = "test.yaml" },
            new ComponentMetadata(name, type, "v1", metadata.Select(m => new KeyValuePair<string, string>(m.Key, m.Value))),
            instance,
            []);

    public static ComponentMetadata Metadata(string name, string type, params (string Key, string Value)[] metadata) =>
        new(name, type, "v1", metadata.Select(m => new KeyValuePair<string, string>(m.Key, m.Value)));

    public static BindingRequest Request(string operation, string data = "null", params (string Key, string Value)[] metadata) =>
        new(operation, System.Text.Encoding.UTF8.GetBytes(data), metadata.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal));
}

/// <summary>An input binding the test drives: it hands each event to the runtime's handler when told to.</summary>
internal sealed class ManualInputBinding : IInputBinding
{
    private readonly TaskCompletionSource<InputBindingHandler> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<InputBindingHandler> Started => _started.Task;

    public Task Stopped => _stopped.Task;

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task ReadAsync(InputBindingHandler handler, CancellationToken cancellationToken)
    {
        _started.TrySetResult(handler);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    /// <summary>Sends one event through the runtime once reading started.</summary>
    public async Task<bool> EmitAsync(string data, params (string Key, string Value)[] metadata)
    {
        var handler = await Started.WaitAsync(TimeSpan.FromSeconds(10));
        return await handler(
            new BindingEvent(System.Text.Encoding.UTF8.GetBytes(data), metadata.ToDictionary(m => m.Key, m => m.Value)),
            CancellationToken.None);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
