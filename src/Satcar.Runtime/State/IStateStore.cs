using Satcar.Runtime.Components;

namespace Satcar.Runtime.State;

/// <summary>
/// A state store (components-contrib's <c>state.Store</c>). Keys reach the store already prefixed by
/// the runtime (<c>appid||key</c>). ETag conflicts are reported with <see cref="StateETagMismatchException"/>
/// and malformed ETags with <see cref="StateETagInvalidException"/>; a missing key is a null result.
/// </summary>
public interface IStateStore : IComponent
{
    /// <summary>What the store supports; reported in the metadata API and used to gate operations.</summary>
    StateFeatures Features { get; }

    /// <summary>Reads a key; null when it does not exist or has expired.</summary>
    Task<StateEntry?> GetAsync(string key, StateReadOptions options, CancellationToken cancellationToken);

    /// <summary>Writes a key, checking the ETag or first-write rule first.</summary>
    Task SetAsync(StateSetRequest request, CancellationToken cancellationToken);

    /// <summary>Deletes a key, checking the ETag first; deleting a missing key without an ETag succeeds.</summary>
    Task DeleteAsync(StateDeleteRequest request, CancellationToken cancellationToken);
}

/// <summary>A state store that applies a list of operations atomically: all of them or none.</summary>
public interface ITransactionalStateStore : IStateStore
{
    /// <summary>The most operations one transaction may hold; 0 for no limit.</summary>
    int MaxTransactionOperations { get; }

    /// <summary>Applies every operation, in order, or none; an ETag failure in any operation fails the whole transaction.</summary>
    Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);
}

/// <summary>A stored value with its ETag and expiry.</summary>
/// <param name="Value">The stored bytes, returned verbatim.</param>
/// <param name="ETag">The opaque version string the store produced.</param>
/// <param name="ExpiresAt">When the value expires, if it has a TTL.</param>
public sealed record StateEntry(ReadOnlyMemory<byte> Value, string ETag, DateTimeOffset? ExpiresAt);

/// <summary>Options of a read.</summary>
public sealed record StateReadOptions(StateConsistency Consistency, IReadOnlyDictionary<string, string> Metadata)
{
    public static readonly StateReadOptions Default = new(StateConsistency.Unspecified, new Dictionary<string, string>());
}

/// <summary>A write of one key.</summary>
public sealed record StateSetRequest
{
    public required string Key { get; init; }

    public required ReadOnlyMemory<byte> Value { get; init; }

    /// <summary>The ETag the caller last saw; when set the write happens only if it still matches.</summary>
    public string? ETag { get; init; }

    public StateConcurrency Concurrency { get; init; }

    public StateConsistency Consistency { get; init; }

    /// <summary>
    /// Dapr's <c>ttlInSeconds</c>: null when not given (the store's default applies, normally no expiry),
    /// -1 or 0 for no expiry, a positive number to expire after that many seconds. A write always
    /// replaces the TTL an earlier write set.
    /// </summary>
    public int? TtlSeconds { get; init; }

    /// <summary>The expiry this write sets, from <see cref="TtlSeconds"/> or the store's default; null for none.</summary>
    public DateTimeOffset? ExpiresAt(DateTimeOffset now, int? defaultTtlSeconds = null) =>
        (TtlSeconds ?? defaultTtlSeconds) is int seconds && seconds > 0 ? now.AddSeconds(seconds) : null;

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>A delete of one key.</summary>
public sealed record StateDeleteRequest
{
    public required string Key { get; init; }

    public string? ETag { get; init; }

    public StateConcurrency Concurrency { get; init; }

    public StateConsistency Consistency { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>One operation of a transaction: exactly one of <see cref="Set"/> and <see cref="Delete"/> is set.</summary>
public sealed record StateOperation(StateSetRequest? Set, StateDeleteRequest? Delete)
{
    public string Key => Set?.Key ?? Delete!.Key;

    public static StateOperation Upsert(StateSetRequest request) => new(request, null);

    public static StateOperation Remove(StateDeleteRequest request) => new(null, request);
}

/// <summary>Dapr's <c>options.concurrency</c>.</summary>
public enum StateConcurrency
{
    Unspecified,
    FirstWrite,
    LastWrite,
}

/// <summary>Dapr's <c>options.consistency</c>; the built-in stores are strongly consistent either way.</summary>
public enum StateConsistency
{
    Unspecified,
    Eventual,
    Strong,
}

/// <summary>What a state store supports; the names are those of Dapr's metadata API.</summary>
[Flags]
public enum StateFeatures
{
    None = 0,
    ETag = 1,
    Transactional = 2,
    Ttl = 4,
    QueryApi = 8,
    DeleteWithPrefix = 16,
    PartitionKey = 32,
    KeysLike = 64,
}

/// <summary>The stored ETag differs from the one the request carries, or first-write found an existing key.</summary>
public sealed class StateETagMismatchException(string message = "possible etag mismatch. error from state store") : Exception(message);

/// <summary>The request's ETag is not in the store's format.</summary>
public sealed class StateETagInvalidException(string message = "invalid etag value") : Exception(message);
