using System.Globalization;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;

namespace Satcar.Components.Bindings.Cron;

/// <summary>
/// <c>bindings.cron</c> (https://docs.dapr.io/reference/components-reference/supported-bindings/cron/):
/// an input binding that fires on a schedule (<see cref="CronSchedule"/>) with an empty body and the
/// metadata <c>timeZone</c> and <c>readTimeUTC</c>, as daprd's does. Deliveries do not overlap: a tick
/// that falls while the previous one is still being delivered is skipped, and so is a tick the app
/// does not take (the runtime declines events while the app is unhealthy).
/// </summary>
internal sealed partial class CronBinding(ComponentContext context) : IInputBinding
{
    /// <summary>The longest single wait, so far-off ticks (<c>@yearly</c>) stay within timer limits and clock changes are noticed.</summary>
    private static readonly TimeSpan s_maxWait = TimeSpan.FromHours(1);

    private readonly CancellationTokenSource _disposed = new();
    private int _disposeCount;
    private CronSchedule _schedule = null!;
    private string _scheduleText = "";

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        _scheduleText = metadata.GetRequiredString("schedule");
        if (!CronSchedule.TryParse(_scheduleText, out _schedule, out var error))
        {
            throw metadata.Invalid("schedule", $"'{_scheduleText}' {error}");
        }

        if (_schedule.Next(context.TimeProvider.GetUtcNow(), context.TimeProvider.LocalTimeZone) is null)
        {
            throw metadata.Invalid("schedule", $"'{_scheduleText}' never fires");
        }

        return Task.CompletedTask;
    }

    public async Task ReadAsync(InputBindingHandler handler, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        var token = stop.Token;
        var time = context.TimeProvider;
        var next = _schedule.Next(time.GetUtcNow(), time.LocalTimeZone);
        while (next is { } due && !token.IsCancellationRequested)
        {
            var wait = due - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait < s_maxWait ? wait : s_maxWait, time, token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }

            await FireAsync(handler, token);

            // Ticks that passed during the delivery are skipped rather than run late in a burst.
            var now = time.GetUtcNow();
            next = _schedule.Next(now > due ? now : due, time.LocalTimeZone);
        }

        Log.Stopped(context.Logger, context.Name, _scheduleText);
    }

    private async Task FireAsync(InputBindingHandler handler, CancellationToken token)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // daprd reports its scheduler's location, which is Go's "Local" unless the schedule names a zone.
            ["timeZone"] = _schedule.Zone?.Id ?? "Local",
            ["readTimeUTC"] = GoTimeString(context.TimeProvider.GetUtcNow()),
        };
        Log.Fired(context.Logger, context.Name, _scheduleText);
        try
        {
            if (!await handler(new BindingEvent(ReadOnlyMemory<byte>.Empty, metadata), token))
            {
                Log.TickSkipped(context.Logger, context.Name);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping; the loop ends.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.DeliveryFailed(context.Logger, context.Name, e);
        }
    }

    /// <summary>Go's <c>time.Time.String()</c> of a UTC time, as daprd sends <c>readTimeUTC</c>: <c>2024-05-01 10:00:00.1234567 +0000 UTC</c>.</summary>
    internal static string GoTimeString(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var text = utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var fraction = utc.Ticks % TimeSpan.TicksPerSecond;
        if (fraction != 0)
        {
            text += "." + fraction.ToString("0000000", CultureInfo.InvariantCulture).TrimEnd('0');
        }

        return text + " +0000 UTC";
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeCount, 1) == 0)
        {
            _disposed.Cancel();
            _disposed.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1870, Level = LogLevel.Debug, Message = "Cron binding {BindingName}: schedule '{Schedule}' fired")]
        public static partial void Fired(ILogger logger, string bindingName, string schedule);

        [LoggerMessage(EventId = 1871, Level = LogLevel.Debug, Message = "Cron binding {BindingName}: the app did not take the tick (unhealthy or not 2xx); the tick is skipped")]
        public static partial void TickSkipped(ILogger logger, string bindingName);

        [LoggerMessage(EventId = 1872, Level = LogLevel.Warning, Message = "Cron binding {BindingName}: delivering a tick failed")]
        public static partial void DeliveryFailed(ILogger logger, string bindingName, Exception exception);

        [LoggerMessage(EventId = 1873, Level = LogLevel.Debug, Message = "Cron binding {BindingName}: schedule '{Schedule}' stopped")]
        public static partial void Stopped(ILogger logger, string bindingName, string schedule);
    }
}
