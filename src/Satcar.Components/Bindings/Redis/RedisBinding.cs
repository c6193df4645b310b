using System.Globalization;
using Satcar.Components.Redis;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;
using StackExchange.Redis;

namespace Satcar.Components.Bindings.Redis;

/// <summary>
/// <c>bindings.redis</c> (https://docs.dapr.io/reference/components-reference/supported-bindings/redis/):
/// an output binding over plain Redis strings, as components-contrib's <c>bindings/redis</c>. Request
/// metadata <c>key</c> names the key. <c>create</c> is <c>SET</c> (with <c>EX</c> when <c>ttlInSeconds</c>
/// is given), <c>get</c> answers the value (empty when the key is missing; <c>GETDEL</c> with metadata
/// <c>delete: true</c>), <c>delete</c> is <c>DEL</c> and <c>increment</c> is <c>INCR</c> (then
/// <c>EXPIRE</c> with <c>ttlInSeconds</c>). The connection metadata is shared with the Redis state store.
/// </summary>
internal sealed class RedisBinding(ComponentContext context) : IOutputBinding
{
    private const string KeyName = "key";
    private const string TtlName = "ttlInSeconds";

    private static readonly IReadOnlyDictionary<string, string> s_noMetadata = new Dictionary<string, string>();

    private ConnectionMultiplexer? _connection;
    private IDatabase? _database;

    public ComponentContext Context { get; } = context;

    public IReadOnlyList<string> Operations { get; } = ["create", "get", "delete", "increment"];

    private IDatabase Database => _database ?? throw new InvalidOperationException($"component {Context.Name} is not initialised");

    public async Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        var options = RedisConnectionOptions.Read(metadata);
        _connection = await RedisConnectionOptions.ConnectAsync(options, metadata, cancellationToken);
        _database = _connection.GetDatabase(options.Database);
    }

    public async Task<BindingResponse?> InvokeAsync(BindingRequest request, CancellationToken cancellationToken)
    {
        if (!request.Metadata.TryGetValue(KeyName, out var key) || key.Length == 0)
        {
            throw new BindingException($"metadata '{KeyName}' is required");
        }

        switch (request.Operation)
        {
            case "create":
                await Database.StringSetAsync(key, request.Data, ReadTtl(request.Metadata), When.Always);
                return null;
            case "get":
                var value = request.Metadata.TryGetValue("delete", out var delete) && delete == "true"
                    ? await Database.StringGetDeleteAsync(key)
                    : await Database.StringGetAsync(key);
                return new BindingResponse(value.IsNull ? ReadOnlyMemory<byte>.Empty : (byte[])value!, s_noMetadata);
            case "delete":
                await Database.KeyDeleteAsync(key);
                return null;
            case "increment":
                await Database.StringIncrementAsync(key);
                if (ReadTtl(request.Metadata) is { } ttl)
                {
                    await Database.KeyExpireAsync(key, ttl);
                }

                return null;
            default:
                throw new BindingOperationNotSupportedException($"invalid operation type: {request.Operation}");
        }
    }

    /// <summary><c>ttlInSeconds</c> as components-contrib's <c>TryGetTTL</c> reads it: absent or empty for none, else a whole number above zero.</summary>
    private static TimeSpan? ReadTtl(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(TtlName, out var text) || text.Length == 0)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            throw new BindingException($"metadata '{TtlName}' must be a whole number of seconds, got '{text}'");
        }

        return seconds > 0
            ? TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.MaxValue.TotalSeconds))
            : throw new BindingException($"metadata '{TtlName}' must be higher than zero, got {seconds}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
