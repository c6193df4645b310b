using System.Globalization;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Components;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;

namespace Satcar.Runtime.State;

/// <summary>
/// The state building block, independent of transport: finds the store, validates and prefixes keys,
/// calls the component and turns its failures into catalogue errors. Both API heads call this.
/// </summary>
public sealed partial class StateService(ComponentStore components, SatcarOptions options, ILogger<StateService> logger)
{
    /// <summary>daprd's default parallelism for bulk gets.</summary>
    private const int DefaultBulkParallelism = 100;

    private const string TtlKey = "ttlInSeconds";

    public async Task<StateEntry?> GetAsync(string storeName, string key, StateReadOptions readOptions, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        var storedKey = StoredKey(store, key);
        try
        {
            return await store.Store.GetAsync(storedKey, readOptions, cancellationToken);
        }
        catch (Exception e) when (IsComponentFailure(e, cancellationToken))
        {
            Log.StoreFailed(logger, storeName, "get", e);
            throw ApiErrors.GetState(key, storeName, e.Message);
        }
    }

    /// <summary>Saves every item; items are validated first, so a malformed item means nothing is written.</summary>
    public async Task SaveAsync(string storeName, IReadOnlyList<StateSetRequest> items, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        var prefixed = items.Select(item => item with { Key = StoredKey(store, item.Key) }).ToList();
        Exception? first = null;
        foreach (var item in prefixed)
        {
            try
            {
                await store.Store.SetAsync(item, cancellationToken);
            }
            catch (Exception e) when (IsComponentFailure(e, cancellationToken))
            {
                // daprd's bulk save attempts every item and reports the failures together.
                first ??= e;
                Log.StoreFailed(logger, storeName, "set", e);
            }
        }

        switch (first)
        {
            case null:
                return;
            case StateETagMismatchException:
                throw ApiErrors.SaveState(storeName, first.Message, 409);
            case StateETagInvalidException:
                throw ApiErrors.SaveState(storeName, first.Message, 400);
            default:
                throw ApiErrors.SaveState(storeName, first.Message);
        }
    }

    public async Task DeleteAsync(string storeName, StateDeleteRequest request, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        var stored = request with { Key = StoredKey(store, request.Key) };
        try
        {
            await store.Store.DeleteAsync(stored, cancellationToken);
        }
        catch (StateETagMismatchException e)
        {
            throw ApiErrors.DeleteState(request.Key, e.Message, 409);
        }
        catch (StateETagInvalidException e)
        {
            throw ApiErrors.DeleteState(request.Key, e.Message, 400);
        }
        catch (Exception e) when (IsComponentFailure(e, cancellationToken))
        {
            Log.StoreFailed(logger, storeName, "delete", e);
            throw ApiErrors.DeleteState(request.Key, e.Message);
        }
    }

    /// <summary>Reads every key, in order; a key that fails carries its error instead of failing the whole call.</summary>
    public async Task<IReadOnlyList<BulkStateItem>> GetBulkAsync(
        string storeName, IReadOnlyList<string> keys, int parallelism, StateReadOptions readOptions, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        var storedKeys = keys.Select(key => StoredKey(store, key)).ToArray();
        var results = new BulkStateItem[keys.Count];
        await Parallel.ForAsync(0, keys.Count, new ParallelOptions
        {
            MaxDegreeOfParallelism = parallelism > 0 ? parallelism : DefaultBulkParallelism,
            CancellationToken = cancellationToken,
        }, async (i, ct) =>
        {
            try
            {
                results[i] = new BulkStateItem(keys[i], await store.Store.GetAsync(storedKeys[i], readOptions, ct), null);
            }
            catch (Exception e) when (IsComponentFailure(e, ct))
            {
                results[i] = new BulkStateItem(keys[i], null, e.Message);
            }
        });
        return results;
    }

    public async Task ExecuteTransactionAsync(
        string storeName, IReadOnlyList<StateOperation> operations, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        if (store.Store is not ITransactionalStateStore transactional || !store.Store.Features.HasFlag(StateFeatures.Transactional))
        {
            throw ApiErrors.TransactionsNotSupported(storeName);
        }

        if (transactional.MaxTransactionOperations > 0 && operations.Count > transactional.MaxTransactionOperations)
        {
            throw ApiErrors.TooManyOperations(storeName, transactional.MaxTransactionOperations);
        }

        var prefixed = operations.Select(op => op.Set is { } set
            ? StateOperation.Upsert(set with { Key = StoredKey(store, set.Key) })
            : StateOperation.Remove(op.Delete! with { Key = StoredKey(store, op.Delete!.Key) })).ToList();
        if (prefixed.Count == 0)
        {
            return;
        }

        try
        {
            await transactional.ExecuteTransactionAsync(prefixed, metadata, cancellationToken);
        }
        catch (Exception e) when (IsComponentFailure(e, cancellationToken))
        {
            Log.StoreFailed(logger, storeName, "transaction", e);
            throw ApiErrors.Transaction(e.Message);
        }
    }

    /// <summary>
    /// The <c>ttlInSeconds</c> of a write's metadata: null when absent, else an integer of at least -1
    /// (components-contrib's <c>ParseTTL</c>; -1 means "never expire").
    /// </summary>
    public static int? TtlSeconds(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(TtlKey, out var text) || text.Length == 0)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) && seconds >= -1
            ? seconds
            : throw ApiErrors.Malformed($"incorrect value for metadata '{TtlKey}': '{text}' is not an integer of -1 or more");
    }

    /// <summary>An expiry as the <c>ttlExpireTime</c> metadata of a read reports it.</summary>
    public static string FormatExpireTime(DateTimeOffset expires) =>
        expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Checks a key without touching a store; used to reject a whole request before any write.</summary>
    public static void ValidateKey(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw ApiErrors.EmptyKey();
        }

        if (key.Contains(StateKeyPrefix.Separator, StringComparison.Ordinal))
        {
            throw ApiErrors.IllegalKey(key);
        }
    }

    /// <summary>Finds the store, or fails with daprd's not-configured or not-found error.</summary>
    public StateStoreEntry Store(string storeName)
    {
        if (components.StateStoreCount == 0)
        {
            throw ApiErrors.StoreNotConfigured(options.AppId);
        }

        return components.TryGetStateStore(storeName, out var entry)
            ? entry
            : throw ApiErrors.StoreNotFound(storeName, options.AppId);
    }

    private static string StoredKey(StateStoreEntry store, string key)
    {
        ValidateKey(key);
        return store.KeyPrefix.Apply(key);
    }

    private static bool IsComponentFailure(Exception e, CancellationToken cancellationToken) =>
        e is not ApiException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1300, Level = LogLevel.Debug, Message = "State store {StoreName} failed a {Operation}")]
        public static partial void StoreFailed(ILogger logger, string storeName, string operation, Exception exception);
    }
}

/// <summary>One key of a bulk get: its entry, nothing when it does not exist, or the error reading it.</summary>
public sealed record BulkStateItem(string Key, StateEntry? Entry, string? Error);
