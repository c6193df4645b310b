using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Satcar.Components;
using Satcar.Runtime.Components;
using Satcar.Runtime.State;

namespace Satcar.Tests.State;

/// <summary>
/// One conformance body for every state store: the ETag and first-write rules, TTL, bulk-style use,
/// atomic transactions and concurrent writers. Each store runs it through a subclass that says how
/// to create the component.
/// </summary>
public abstract class StateStoreConformance : IAsyncLifetime
{
    private readonly List<IStateStore> _stores = [];

    protected IStateStore Store { get; private set; } = null!;

    /// <summary>The component type, such as <c>state.redis</c>.</summary>
    protected abstract string ComponentType { get; }

    /// <summary>The component's metadata for this run.</summary>
    protected abstract Task<Dictionary<string, string>> MetadataAsync();

    /// <summary>True for stores whose ETag has a fixed format, so a malformed one is refused as invalid rather than as a mismatch.</summary>
    protected virtual bool ValidatesETagFormat => false;

    /// <summary>True when a second instance over the same metadata sees the same data (false for a process-local store).</summary>
    protected virtual bool SharedAcrossInstances => true;

    private async Task<IStateStore> SecondInstanceAsync() => SharedAcrossInstances ? await CreateStoreAsync() : Store;

    public virtual async Task InitializeAsync() => Store = await CreateStoreAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>Creates and initialises another instance over the same data (a second satcar on the same store).</summary>
    protected async Task<IStateStore> CreateStoreAsync()
    {
        var registry = BuiltInComponents.CreateRegistry();
        Assert.True(registry.TryGet(ComponentType, "v1", out var registration));
        var store = (IStateStore)registration.Create(new ComponentContext
        {
            Name = "conformance",
            Type = ComponentType,
            AppId = "conformance",
            Logger = NullLogger.Instance,
        });
        await store.InitAsync(new ComponentMetadata("conformance", ComponentType, "v1", await MetadataAsync()), CancellationToken.None);
        _stores.Add(store);
        return store;
    }

    protected static string NewKey() => "app||" + Guid.NewGuid().ToString("N");

    private static readonly CancellationToken None = CancellationToken.None;

    private Task<StateEntry?> Get(string key) => Store.GetAsync(key, StateReadOptions.Default, None);

    private Task Set(string key, string value, string? etag = null, StateConcurrency concurrency = StateConcurrency.Unspecified, int? ttl = null) =>
        Store.SetAsync(new StateSetRequest { Key = key, Value = Encoding.UTF8.GetBytes(value), ETag = etag, Concurrency = concurrency, TtlSeconds = ttl }, None);

    private Task Delete(string key, string? etag = null) => Store.DeleteAsync(new StateDeleteRequest { Key = key, ETag = etag }, None);

    private static string Text(StateEntry? entry) => Encoding.UTF8.GetString(entry!.Value.Span);

    [Fact]
    public void Declares_etag_transactions_and_ttl()
    {
        Assert.True(Store.Features.HasFlag(StateFeatures.ETag));
        Assert.True(Store.Features.HasFlag(StateFeatures.Transactional));
        Assert.True(Store.Features.HasFlag(StateFeatures.Ttl));
        Assert.IsAssignableFrom<ITransactionalStateStore>(Store);
    }

    [Fact]
    public async Task A_missing_key_reads_as_null()
    {
        Assert.Null(await Get(NewKey()));
    }

    [Fact]
    public async Task A_saved_value_reads_back_verbatim_with_an_etag()
    {
        var key = NewKey();
        await Set(key, """{"orderId":42,"name":"é"}""");
        var entry = await Get(key);
        Assert.Equal("""{"orderId":42,"name":"é"}""", Text(entry));
        Assert.False(string.IsNullOrEmpty(entry!.ETag));
        Assert.Null(entry.ExpiresAt);
    }

    [Fact]
    public async Task Binary_values_round_trip()
    {
        var key = NewKey();
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await Store.SetAsync(new StateSetRequest { Key = key, Value = bytes }, None);
        Assert.Equal(bytes, (await Get(key))!.Value.ToArray());
    }

    [Fact]
    public async Task Every_write_changes_the_etag()
    {
        var key = NewKey();
        await Set(key, "1");
        var first = (await Get(key))!.ETag;
        await Set(key, "2");
        var second = await Get(key);
        Assert.NotEqual(first, second!.ETag);
        Assert.Equal("2", Text(second));
    }

    [Fact]
    public async Task A_write_with_the_current_etag_succeeds()
    {
        var key = NewKey();
        await Set(key, "1");
        await Set(key, "2", etag: (await Get(key))!.ETag);
        Assert.Equal("2", Text(await Get(key)));
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_fails_and_changes_nothing()
    {
        var key = NewKey();
        await Set(key, "1");
        var stale = (await Get(key))!.ETag;
        await Set(key, "2");
        await Assert.ThrowsAsync<StateETagMismatchException>(() => Set(key, "3", etag: stale));
        Assert.Equal("2", Text(await Get(key)));
    }

    [Fact]
    public async Task A_write_with_an_etag_to_a_missing_key_fails()
    {
        var key = NewKey();
        await Assert.ThrowsAsync<StateETagMismatchException>(() => Set(key, "1", etag: "1"));
        Assert.Null(await Get(key));
    }

    [Fact]
    public async Task A_malformed_etag_is_refused_and_changes_nothing()
    {
        var key = NewKey();
        await Set(key, "1");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Set(key, "2", etag: "not-an-etag"));
        Assert.True(error is StateETagMismatchException or StateETagInvalidException, error.ToString());
        if (ValidatesETagFormat)
        {
            Assert.IsType<StateETagInvalidException>(error);
        }

        Assert.Equal("1", Text(await Get(key)));
    }

    [Fact]
    public async Task First_write_without_an_etag_only_creates()
    {
        var key = NewKey();
        await Set(key, "1", concurrency: StateConcurrency.FirstWrite);
        await Assert.ThrowsAsync<StateETagMismatchException>(() => Set(key, "2", concurrency: StateConcurrency.FirstWrite));
        Assert.Equal("1", Text(await Get(key)));
        await Set(key, "3", etag: (await Get(key))!.ETag, concurrency: StateConcurrency.FirstWrite);
        Assert.Equal("3", Text(await Get(key)));
    }

    [Fact]
    public async Task Last_write_without_an_etag_always_wins()
    {
        var key = NewKey();
        await Set(key, "1", concurrency: StateConcurrency.LastWrite);
        await Set(key, "2", concurrency: StateConcurrency.LastWrite);
        Assert.Equal("2", Text(await Get(key)));
    }

    [Fact]
    public async Task Delete_removes_and_deleting_a_missing_key_succeeds()
    {
        var key = NewKey();
        await Set(key, "1");
        await Delete(key);
        Assert.Null(await Get(key));
        await Delete(key);
    }

    [Fact]
    public async Task Delete_with_a_stale_etag_fails_and_keeps_the_value()
    {
        var key = NewKey();
        await Set(key, "1");
        var stale = (await Get(key))!.ETag;
        await Set(key, "2");
        await Assert.ThrowsAsync<StateETagMismatchException>(() => Delete(key, stale));
        Assert.Equal("2", Text(await Get(key)));
        await Delete(key, (await Get(key))!.ETag);
        Assert.Null(await Get(key));
    }

    [Fact]
    public async Task Delete_with_an_etag_of_a_missing_key_fails()
    {
        await Assert.ThrowsAsync<StateETagMismatchException>(() => Delete(NewKey(), "1"));
    }

    [Fact]
    public async Task A_ttl_expires_the_value_and_is_reported()
    {
        var key = NewKey();
        var before = DateTimeOffset.UtcNow;
        await Set(key, "short", ttl: 1);
        var entry = await Get(key);
        Assert.Equal("short", Text(entry));
        Assert.NotNull(entry!.ExpiresAt);
        Assert.InRange(entry.ExpiresAt!.Value, before, before.AddSeconds(3));

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (await Get(key) is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Null(await Get(key));
    }

    [Fact]
    public async Task A_write_without_a_ttl_removes_an_earlier_ttl()
    {
        var key = NewKey();
        await Set(key, "1", ttl: 100);
        Assert.NotNull((await Get(key))!.ExpiresAt);
        await Set(key, "2");
        Assert.Null((await Get(key))!.ExpiresAt);
        await Set(key, "3", ttl: 100);
        await Set(key, "4", ttl: -1);
        Assert.Null((await Get(key))!.ExpiresAt);
    }

    [Fact]
    public async Task An_expired_key_counts_as_missing_for_first_write()
    {
        var key = NewKey();
        await Set(key, "old", ttl: 1);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (await Get(key) is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await Set(key, "new", concurrency: StateConcurrency.FirstWrite);
        Assert.Equal("new", Text(await Get(key)));
    }

    [Fact]
    public async Task A_transaction_applies_every_operation()
    {
        var transactional = (ITransactionalStateStore)Store;
        var (a, b, c) = (NewKey(), NewKey(), NewKey());
        await Set(b, "b0");
        await Set(c, "c0");
        await transactional.ExecuteTransactionAsync(
        [
            StateOperation.Upsert(new StateSetRequest { Key = a, Value = "\"a1\""u8.ToArray() }),
            StateOperation.Upsert(new StateSetRequest { Key = b, Value = "\"b1\""u8.ToArray(), ETag = (await Get(b))!.ETag }),
            StateOperation.Remove(new StateDeleteRequest { Key = c }),
        ], new Dictionary<string, string>(), None);

        Assert.Equal("\"a1\"", Text(await Get(a)));
        Assert.Equal("\"b1\"", Text(await Get(b)));
        Assert.Null(await Get(c));
    }

    [Fact]
    public async Task A_transaction_with_one_stale_etag_applies_nothing()
    {
        var transactional = (ITransactionalStateStore)Store;
        var (a, b, c) = (NewKey(), NewKey(), NewKey());
        await Set(b, "b0");
        await Set(c, "c0");
        var stale = (await Get(c))!.ETag;
        await Set(c, "c1");

        await Assert.ThrowsAsync<StateETagMismatchException>(() => transactional.ExecuteTransactionAsync(
        [
            StateOperation.Upsert(new StateSetRequest { Key = a, Value = "\"a1\""u8.ToArray() }),
            StateOperation.Remove(new StateDeleteRequest { Key = b }),
            StateOperation.Upsert(new StateSetRequest { Key = c, Value = "\"c2\""u8.ToArray(), ETag = stale }),
        ], new Dictionary<string, string>(), None));

        Assert.Null(await Get(a));
        Assert.Equal("b0", Text(await Get(b)));
        Assert.Equal("c1", Text(await Get(c)));
    }

    [Fact]
    public async Task A_transaction_with_a_first_write_conflict_applies_nothing()
    {
        var transactional = (ITransactionalStateStore)Store;
        var (a, b) = (NewKey(), NewKey());
        await Set(b, "taken");
        await Assert.ThrowsAsync<StateETagMismatchException>(() => transactional.ExecuteTransactionAsync(
        [
            StateOperation.Upsert(new StateSetRequest { Key = a, Value = "1"u8.ToArray() }),
            StateOperation.Upsert(new StateSetRequest { Key = b, Value = "2"u8.ToArray(), Concurrency = StateConcurrency.FirstWrite }),
        ], new Dictionary<string, string>(), None));
        Assert.Null(await Get(a));
        Assert.Equal("taken", Text(await Get(b)));
    }

    [Fact]
    public async Task Operations_in_a_transaction_see_the_earlier_ones()
    {
        var transactional = (ITransactionalStateStore)Store;
        var key = NewKey();
        await transactional.ExecuteTransactionAsync(
        [
            StateOperation.Upsert(new StateSetRequest { Key = key, Value = "1"u8.ToArray(), Concurrency = StateConcurrency.FirstWrite }),
            StateOperation.Remove(new StateDeleteRequest { Key = key }),
            StateOperation.Upsert(new StateSetRequest { Key = key, Value = "3"u8.ToArray(), Concurrency = StateConcurrency.FirstWrite }),
        ], new Dictionary<string, string>(), None);
        Assert.Equal("3", Text(await Get(key)));
    }

    [Fact]
    public async Task A_transaction_can_set_a_ttl()
    {
        var transactional = (ITransactionalStateStore)Store;
        var key = NewKey();
        await transactional.ExecuteTransactionAsync(
            [StateOperation.Upsert(new StateSetRequest { Key = key, Value = "1"u8.ToArray(), TtlSeconds = 100 })],
            new Dictionary<string, string>(), None);
        Assert.NotNull((await Get(key))!.ExpiresAt);
    }

    [Fact]
    public async Task Concurrent_first_writes_of_one_key_have_exactly_one_winner()
    {
        var key = NewKey();
        var other = await SecondInstanceAsync();
        var attempts = Enumerable.Range(0, 20).Select(async i =>
        {
            try
            {
                var store = i % 2 == 0 ? Store : other;
                await store.SetAsync(new StateSetRequest { Key = key, Value = Encoding.UTF8.GetBytes(i.ToString()), Concurrency = StateConcurrency.FirstWrite }, None);
                return true;
            }
            catch (StateETagMismatchException)
            {
                return false;
            }
        });
        var results = await Task.WhenAll(attempts);
        Assert.Equal(1, results.Count(r => r));
    }

    [Fact]
    public async Task Optimistic_increments_from_two_instances_lose_no_update()
    {
        var key = NewKey();
        await Set(key, "0");
        var other = await SecondInstanceAsync();

        async Task IncrementAsync(IStateStore store, int times)
        {
            for (var done = 0; done < times;)
            {
                var entry = await store.GetAsync(key, StateReadOptions.Default, None);
                var next = int.Parse(Encoding.UTF8.GetString(entry!.Value.Span)) + 1;
                try
                {
                    await store.SetAsync(new StateSetRequest { Key = key, Value = Encoding.UTF8.GetBytes(next.ToString()), ETag = entry.ETag }, None);
                    done++;
                }
                catch (StateETagMismatchException)
                {
                    // Someone else won this round; read again.
                }
            }
        }

        await Task.WhenAll(IncrementAsync(Store, 25), IncrementAsync(other, 25), IncrementAsync(Store, 25));
        Assert.Equal("75", Text(await Get(key)));
    }
}
