using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Components;
using Satcar.Runtime.PubSub;
using StackExchange.Redis;

namespace Satcar.Components.PubSub.Redis;

/// <summary>
/// One subscription to a Redis stream: a consumer (a name unique to this subscription) in the topic's
/// consumer group, a blocking read loop for new entries, and a loop that claims entries other consumers
/// left unacknowledged for longer than <c>processingTimeout</c>, such as those of a satcar that was killed.
/// The same loop forgets the consumers such satcars leave in the group (see <see cref="ForgetGoneConsumersAsync"/>).
/// </summary>
internal sealed partial class RedisStreamSubscription : IAsyncDisposable
{
    private static readonly SearchValues<char> LowerHexDigits = SearchValues.Create("0123456789abcdef");
    private readonly string _topic;
    private readonly RedisPubSubOptions _options;
    private readonly IDatabase _database;
    private readonly ConnectionMultiplexer _reader;
    private readonly PubSubHandler _handler;
    private readonly ComponentContext _context;
    private readonly string _consumer;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, Task> _inFlight = new(StringComparer.Ordinal);
    private Task _readLoop = Task.CompletedTask;
    private Task _claimLoop = Task.CompletedTask;

    public RedisStreamSubscription(
        string topic, RedisPubSubOptions options, IDatabase database, ConnectionMultiplexer reader, PubSubHandler handler, ComponentContext context)
    {
        _topic = topic;
        _options = options;
        _database = database;
        _reader = reader;
        _handler = handler;
        _context = context;
        _consumer = $"{options.ConsumerId}-{Guid.NewGuid():N}";
        _slots = new SemaphoreSlim(options.Concurrency, options.Concurrency);
    }

    public async Task StartAsync()
    {
        await CreateGroupAsync();
        _readLoop = Task.Run(ReadLoopAsync);
        if (_options.RedeliverInterval > TimeSpan.Zero && _options.ProcessingTimeout > TimeSpan.Zero)
        {
            _claimLoop = Task.Run(ClaimLoopAsync);
        }
    }

    // A new group starts at the beginning of the stream, as daprd's does, so nothing published before
    // the first subscriber existed is missed.
    private async Task CreateGroupAsync()
    {
        try
        {
            await _database.StreamCreateConsumerGroupAsync(_topic, _options.ConsumerId, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException e) when (e.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group exists already: another instance of the app, or an earlier run.
        }
    }

    private async Task ReadLoopAsync()
    {
        var token = _stopping.Token;
        var readDb = _reader.GetDatabase(_options.Connection.Database);
        var blockMs = ((long)_options.BlockTime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        while (!token.IsCancellationRequested)
        {
            try
            {
                // XREADGROUP with BLOCK is not in StackExchange.Redis's typed API: it keeps its own connection busy.
                var result = await readDb.ExecuteAsync("XREADGROUP",
                    "GROUP", _options.ConsumerId, _consumer, "COUNT", _options.QueueDepth, "BLOCK", blockMs, "STREAMS", _topic, ">");
                foreach (var entry in Entries(result))
                {
                    await DispatchAsync(entry, 1, token);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (RedisServerException e) when (e.Message.Contains("NOGROUP", StringComparison.Ordinal))
            {
                // The stream or group vanished (Redis restarted without persistence, or someone deleted it).
                Log.GroupRecreated(_context.Logger, _context.Name, _topic, _options.ConsumerId);
                await Retry(CreateGroupAsync, token);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Log.ReadFailed(_context.Logger, _context.Name, _topic, e.Message);
                await Pause(token);
            }
        }
    }

    private async Task ClaimLoopAsync()
    {
        var token = _stopping.Token;
        using var timer = new PeriodicTimer(_options.RedeliverInterval, _context.TimeProvider);
        while (await Tick(timer, token))
        {
            try
            {
                RedisValue start = "0-0";
                do
                {
                    var claimed = await _database.StreamAutoClaimAsync(
                        _topic, _options.ConsumerId, _consumer, (long)_options.ProcessingTimeout.TotalMilliseconds, start, _options.QueueDepth);
                    foreach (var entry in claimed.ClaimedEntries)
                    {
                        if (entry.IsNull || _inFlight.ContainsKey(entry.Id!))
                        {
                            continue;
                        }

                        await DispatchAsync(entry, await DeliveryCountAsync(entry.Id), token);
                    }

                    start = claimed.NextStartId;
                }
                while (start != "0-0" && !token.IsCancellationRequested);

                await ForgetGoneConsumersAsync();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Log.ClaimFailed(_context.Logger, _context.Name, _topic, e.Message);
            }
        }
    }

    /// <summary>
    /// A satcar that is killed cannot leave the group, and each subscription has a consumer name of its own, so
    /// without this the group would collect one dead consumer per crash. A consumer is forgotten when its name is
    /// one this runtime makes for the group (<c>{consumerID}-{32 hex digits}</c>; others, such as daprd's, are left
    /// alone), it holds no unacknowledged entries (what it held is claimed first, as above), and it has not read
    /// for <see cref="RedisPubSubOptions.ConsumerGoneAfter"/>; a live consumer reads at least every block time.
    /// </summary>
    private async Task ForgetGoneConsumersAsync()
    {
        var goneAfter = (long)_options.ConsumerGoneAfter.TotalMilliseconds;
        foreach (var consumer in await _database.StreamConsumerInfoAsync(_topic, _options.ConsumerId))
        {
            var name = consumer.Name;
            if (name != _consumer && consumer.PendingMessageCount == 0 && consumer.IdleTimeInMilliseconds > goneAfter && IsOurs(name))
            {
                await _database.StreamDeleteConsumerAsync(_topic, _options.ConsumerId, name);
                Log.ConsumerForgotten(_context.Logger, _context.Name, _topic, name, consumer.IdleTimeInMilliseconds);
            }
        }
    }

    private bool IsOurs(string name) =>
        name.Length == _consumer.Length && name.StartsWith(_options.ConsumerId + "-", StringComparison.Ordinal)
        && !name.AsSpan(_options.ConsumerId.Length + 1).ContainsAnyExcept(LowerHexDigits);

    private async Task DispatchAsync(StreamEntry entry, int deliveryCount, CancellationToken token)
    {
        await _slots.WaitAsync(token);
        var id = entry.Id.ToString();
        var delivery = ToDelivery(entry, deliveryCount);

        // Registered before it starts, so the claim loop never takes an entry this consumer is delivering;
        // a delivery that already finished and removed itself is not registered again.
        _inFlight[id] = Task.CompletedTask;
        _inFlight.TryUpdate(id, DeliverAsync(id, delivery), Task.CompletedTask);
    }

    private async Task DeliverAsync(string id, PubSubDelivery delivery)
    {
        try
        {
            if (await _handler(delivery, _stopping.Token) == PubSubAck.Ack)
            {
                await _database.StreamAcknowledgeAsync(_topic, _options.ConsumerId, id);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: left unacknowledged, the entry is claimed by a live consumer.
        }
        catch (Exception e)
        {
            // Unacknowledged, the entry is claimed again after processingTimeout.
            Log.DeliveryFailed(_context.Logger, _context.Name, _topic, id, e);
        }
        finally
        {
            _inFlight.TryRemove(id, out _);
            _slots.Release();
        }
    }

    private PubSubDelivery ToDelivery(StreamEntry entry, int deliveryCount)
    {
        ReadOnlyMemory<byte> data = default;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in entry.Values)
        {
            if (field.Name == "data")
            {
                data = (byte[])field.Value!;
            }
            else if (field.Name == "metadata" && TryReadMetadata(field.Value.ToString()) is { } stored)
            {
                foreach (var (key, value) in stored)
                {
                    metadata[key] = value;
                }
            }
        }

        return new PubSubDelivery(_topic, data, metadata, entry.Id.ToString(), deliveryCount);
    }

    private static Dictionary<string, string>? TryReadMetadata(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, RedisPubSubJson.Default.DictionaryStringString);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<int> DeliveryCountAsync(RedisValue id)
    {
        var pending = await _database.StreamPendingMessagesAsync(_topic, _options.ConsumerId, 1, RedisValue.Null, id, id);
        return pending.Length == 1 ? pending[0].DeliveryCount : 2;
    }

    /// <summary>The entries of an <c>XREADGROUP</c> answer: <c>[[stream, [[id, [field, value, …]], …]]]</c>, or nil.</summary>
    private static IEnumerable<StreamEntry> Entries(RedisResult result)
    {
        if (result.IsNull)
        {
            yield break;
        }

        foreach (var stream in (RedisResult[])result!)
        {
            var parts = (RedisResult[])stream!;
            foreach (var item in (RedisResult[])parts[1]!)
            {
                var entry = (RedisResult[])item!;
                if (entry.Length < 2 || entry[1].IsNull)
                {
                    continue; // an entry trimmed away after it was delivered
                }

                var values = (RedisResult[])entry[1]!;
                var fields = new NameValueEntry[values.Length / 2];
                for (var i = 0; i < fields.Length; i++)
                {
                    fields[i] = new NameValueEntry((string)values[2 * i]!, (RedisValue)values[(2 * i) + 1]);
                }

                yield return new StreamEntry((string)entry[0]!, fields);
            }
        }
    }

    private static async Task Retry(Func<Task> action, CancellationToken token)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            await Pause(token);
        }
    }

    private static async Task Pause(CancellationToken token)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Stops reading, lets the deliveries in flight finish (they acknowledge what the app handled), and
    /// removes this consumer from the group when it holds no unacknowledged entries.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_readLoop, _claimLoop);
        await Task.WhenAll(_inFlight.Values);
        try
        {
            var pending = await _database.StreamPendingMessagesAsync(_topic, _options.ConsumerId, 1, _consumer);
            if (pending.Length == 0)
            {
                await _database.StreamDeleteConsumerAsync(_topic, _options.ConsumerId, _consumer);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Log.CleanupFailed(_context.Logger, _context.Name, _topic, e.Message);
        }

        await _reader.CloseAsync();
        await _reader.DisposeAsync();
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2410, Level = LogLevel.Warning, Message = "Pub/sub {ComponentName}: reading {Topic} failed: {Reason}")]
        public static partial void ReadFailed(ILogger logger, string componentName, string topic, string reason);

        [LoggerMessage(EventId = 2411, Level = LogLevel.Warning, Message = "Pub/sub {ComponentName}: claiming idle entries of {Topic} failed: {Reason}")]
        public static partial void ClaimFailed(ILogger logger, string componentName, string topic, string reason);

        [LoggerMessage(EventId = 2412, Level = LogLevel.Warning, Message = "Pub/sub {ComponentName}: consumer group {Group} of {Topic} was missing and is created again; entries added meanwhile may be lost")]
        public static partial void GroupRecreated(ILogger logger, string componentName, string topic, string group);

        [LoggerMessage(EventId = 2413, Level = LogLevel.Error, Message = "Pub/sub {ComponentName}: delivering entry {Id} of {Topic} failed; it is claimed again after processingTimeout")]
        public static partial void DeliveryFailed(ILogger logger, string componentName, string topic, string id, Exception exception);

        [LoggerMessage(EventId = 2415, Level = LogLevel.Information, Message = "Pub/sub {ComponentName}: consumer {Consumer} of {Topic} had not read for {IdleMs} ms and held nothing; it is removed from the group")]
        public static partial void ConsumerForgotten(ILogger logger, string componentName, string topic, string consumer, long idleMs);

        [LoggerMessage(EventId = 2414, Level = LogLevel.Debug, Message = "Pub/sub {ComponentName}: leaving the consumer group of {Topic} failed: {Reason}")]
        public static partial void CleanupFailed(ILogger logger, string componentName, string topic, string reason);
    }
}
