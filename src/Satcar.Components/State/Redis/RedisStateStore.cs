using System.Globalization;
using Satcar.Components.Redis;
using Satcar.Runtime.Components;
using Satcar.Runtime.State;
using StackExchange.Redis;

namespace Satcar.Components.State.Redis;

/// <summary>
/// <c>state.redis</c> (https://docs.dapr.io/reference/components-reference/supported-state-stores/setup-redis/)
/// on StackExchange.Redis. Each key is a hash with the fields <c>data</c> and <c>version</c>, the
/// layout daprd uses, so both can share a database. The ETag is the version, an integer. Every
/// operation is one Lua script, so checks and writes cannot interleave with other clients.
/// Transactions are a single script that checks every operation before it writes anything, so they
/// apply completely or not at all (Dapr's MULTI of per-key scripts can apply half a transaction).
/// </summary>
internal sealed class RedisStateStore(ComponentContext context) : ITransactionalStateStore
{
    private const string Mismatch = "ETAG_MISMATCH";

    // KEYS[1] = key. Returns nil, or { data, version, pttl }.
    private const string GetScript = """
        local r = redis.call('HMGET', KEYS[1], 'data', 'version')
        if not r[1] then return nil end
        return { r[1], r[2] or '0', redis.call('PTTL', KEYS[1]) }
        """;

    // KEYS[1] = key; ARGV = etag ('' for none), first-write ('1'/'0'), data, ttl seconds ('0' for none).
    private const string SetScript = """
        local current = redis.call('HGET', KEYS[1], 'version')
        if ARGV[1] ~= '' then
          if current ~= ARGV[1] then return redis.error_reply('ETAG_MISMATCH') end
        elseif ARGV[2] == '1' and current then
          return redis.error_reply('ETAG_MISMATCH')
        end
        redis.call('HSET', KEYS[1], 'data', ARGV[3])
        local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
        local ttl = tonumber(ARGV[4])
        if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
        return version
        """;

    // KEYS[1] = key; ARGV[1] = etag ('' for none).
    private const string DeleteScript = """
        if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then
          return redis.error_reply('ETAG_MISMATCH')
        end
        return redis.call('DEL', KEYS[1])
        """;

    // KEYS[i] = key of operation i; ARGV holds five values per operation:
    // kind ('s' set / 'd' delete), etag, first-write, data, ttl. Phase one checks every operation
    // against the versions the earlier ones leave behind, without writing; phase two writes.
    private const string TransactionScript = """
        local versions = {}
        local function current(key)
          local v = versions[key]
          if v == nil then
            v = redis.call('HGET', key, 'version')
            versions[key] = v
          end
          return v
        end
        for i = 1, #KEYS do
          local base = (i - 1) * 5
          local kind, etag, firstWrite = ARGV[base + 1], ARGV[base + 2], ARGV[base + 3]
          local version = current(KEYS[i])
          if etag ~= '' then
            if version ~= etag then return redis.error_reply('ETAG_MISMATCH operation ' .. i) end
          elseif kind == 's' and firstWrite == '1' and version then
            return redis.error_reply('ETAG_MISMATCH operation ' .. i)
          end
          if kind == 's' then versions[KEYS[i]] = tostring((tonumber(version) or 0) + 1) else versions[KEYS[i]] = false end
        end
        for i = 1, #KEYS do
          local base = (i - 1) * 5
          if ARGV[base + 1] == 's' then
            redis.call('HSET', KEYS[i], 'data', ARGV[base + 4])
            redis.call('HINCRBY', KEYS[i], 'version', 1)
            local ttl = tonumber(ARGV[base + 5])
            if ttl > 0 then redis.call('EXPIRE', KEYS[i], ttl) else redis.call('PERSIST', KEYS[i]) end
          else
            redis.call('DEL', KEYS[i])
          end
        end
        return #KEYS
        """;

    private ConnectionMultiplexer? _connection;
    private IDatabase? _database;
    private int? _defaultTtlSeconds;

    public StateFeatures Features => StateFeatures.ETag | StateFeatures.Transactional | StateFeatures.Ttl;

    public int MaxTransactionOperations => 0;

    public async Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        var options = RedisConnectionOptions.Read(metadata);
        _defaultTtlSeconds = metadata.GetString("ttlInSeconds") is null ? null : metadata.GetInt32("ttlInSeconds", 0);
        _connection = await RedisConnectionOptions.ConnectAsync(options, metadata, cancellationToken);
        _database = _connection.GetDatabase(options.Database);
    }

    public async Task<StateEntry?> GetAsync(string key, StateReadOptions options, CancellationToken cancellationToken)
    {
        var result = await Database.ScriptEvaluateAsync(GetScript, [key]);
        if (result.IsNull)
        {
            return null;
        }

        var parts = (RedisResult[])result!;
        var pttl = (long)parts[2];
        DateTimeOffset? expires = pttl > 0 ? context.TimeProvider.GetUtcNow().AddMilliseconds(pttl) : null;
        return new StateEntry((byte[])parts[0]!, parts[1].ToString(), expires);
    }

    public async Task SetAsync(StateSetRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await Database.ScriptEvaluateAsync(SetScript, [request.Key], SetArguments(request));
        }
        catch (RedisServerException e) when (e.Message.Contains(Mismatch, StringComparison.Ordinal))
        {
            throw new StateETagMismatchException();
        }
    }

    public async Task DeleteAsync(StateDeleteRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await Database.ScriptEvaluateAsync(DeleteScript, [request.Key], [ValidETag(request.ETag)]);
        }
        catch (RedisServerException e) when (e.Message.Contains(Mismatch, StringComparison.Ordinal))
        {
            throw new StateETagMismatchException();
        }
    }

    public async Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var keys = new RedisKey[operations.Count];
        var values = new RedisValue[operations.Count * 5];
        for (var i = 0; i < operations.Count; i++)
        {
            var operation = operations[i];
            keys[i] = operation.Key;
            if (operation.Set is { } set)
            {
                values[i * 5] = "s";
                SetArguments(set).CopyTo(values, (i * 5) + 1);
            }
            else
            {
                values[i * 5] = "d";
                values[(i * 5) + 1] = ValidETag(operation.Delete!.ETag);
                values[(i * 5) + 2] = "0";
                values[(i * 5) + 3] = RedisValue.EmptyString;
                values[(i * 5) + 4] = "0";
            }
        }

        try
        {
            await Database.ScriptEvaluateAsync(TransactionScript, keys, values);
        }
        catch (RedisServerException e) when (e.Message.Contains(Mismatch, StringComparison.Ordinal))
        {
            throw new StateETagMismatchException($"possible etag mismatch in {e.Message[(e.Message.IndexOf(Mismatch, StringComparison.Ordinal) + Mismatch.Length)..].Trim()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            await _connection.DisposeAsync();
        }
    }

    private IDatabase Database => _database ?? throw new InvalidOperationException("the store is not initialised");

    // etag, first-write, data, ttl: the order SetScript and TransactionScript read them in.
    private RedisValue[] SetArguments(StateSetRequest request)
    {
        var ttl = request.TtlSeconds ?? _defaultTtlSeconds ?? 0;
        return
        [
            ValidETag(request.ETag),
            request.ETag is null && request.Concurrency == StateConcurrency.FirstWrite ? "1" : "0",
            request.Value,
            Math.Max(ttl, 0).ToString(CultureInfo.InvariantCulture),
        ];
    }

    /// <summary>The version is an integer; anything else is a malformed ETag, as in daprd.</summary>
    private static string ValidETag(string? etag)
    {
        if (etag is null)
        {
            return "";
        }

        return long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? etag
            : throw new StateETagInvalidException($"invalid etag value: '{etag}' is not a version number");
    }
}
