using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Satcar.Components;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;
using StackExchange.Redis;

namespace Satcar.Tests.Bindings;

/// <summary><c>bindings.redis</c> against a real redis-server.</summary>
public sealed class RedisBindingTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private IOutputBinding _binding = null!;
    private ConnectionMultiplexer _direct = null!;

    private IDatabase Direct => _direct.GetDatabase(3);

    public async Task InitializeAsync()
    {
        _binding = await CreateAsync(("redisHost", redis.Server.HostPort), ("redisPassword", ""), ("redisDB", "3"));
        _direct = await ConnectionMultiplexer.ConnectAsync(redis.Server.HostPort);
    }

    public async Task DisposeAsync()
    {
        await _binding.DisposeAsync();
        await _direct.DisposeAsync();
    }

    private static async Task<IOutputBinding> CreateAsync(params (string Key, string Value)[] metadata)
    {
        Assert.True(BuiltInComponents.CreateRegistry().TryGet("bindings.redis", "v1", out var registration));
        var binding = (IOutputBinding)registration.Create(new ComponentContext { Name = "cache", Type = "bindings.redis", AppId = "app", Logger = NullLogger.Instance });
        try
        {
            await binding.InitAsync(TestComponents.Metadata("cache", "bindings.redis", metadata), CancellationToken.None);
        }
        catch
        {
            await binding.DisposeAsync();
            throw;
        }

        return binding;
    }

    private Task<BindingResponse?> Invoke(string operation, string data = "null", params (string Key, string Value)[] metadata) =>
        _binding.InvokeAsync(TestComponents.Request(operation, data, metadata), CancellationToken.None);

    private static string NewKey() => "binding-" + Guid.NewGuid().ToString("N");

    [Fact]
    public void It_lists_its_operations() => Assert.Equal(["create", "get", "delete", "increment"], _binding.Operations);

    [Fact]
    public async Task Create_get_and_delete_round_trip_in_the_configured_database()
    {
        var key = NewKey();
        Assert.Null(await Invoke("create", """{"Hello":"World"}""", ("key", key)));
        Assert.Equal("""{"Hello":"World"}""", (string?)await Direct.StringGetAsync(key));
        Assert.Null(await Direct.KeyTimeToLiveAsync(key));

        var got = await Invoke("get", metadata: ("key", key));
        Assert.Equal("""{"Hello":"World"}""", Encoding.UTF8.GetString(got!.Data.Span));

        Assert.Null(await Invoke("delete", metadata: ("key", key)));
        Assert.False(await Direct.KeyExistsAsync(key));
        Assert.Null(await Invoke("delete", metadata: ("key", key)));
    }

    [Fact]
    public async Task Get_of_a_missing_key_is_an_empty_response()
    {
        var got = await Invoke("get", metadata: ("key", NewKey()));
        Assert.NotNull(got);
        Assert.True(got.Data.IsEmpty);
    }

    [Fact]
    public async Task Get_with_delete_true_removes_the_key()
    {
        var key = NewKey();
        await Invoke("create", "\"once\"", ("key", key));
        Assert.Equal("\"once\"", Encoding.UTF8.GetString((await Invoke("get", metadata: [("key", key), ("delete", "true")]))!.Data.Span));
        Assert.False(await Direct.KeyExistsAsync(key));
    }

    [Fact]
    public async Task TtlInSeconds_sets_an_expiry_on_create_and_increment()
    {
        var key = NewKey();
        await Invoke("create", "1", ("key", key), ("ttlInSeconds", "100"));
        var ttl = await Direct.KeyTimeToLiveAsync(key);
        Assert.True(ttl is { TotalSeconds: > 0 and <= 100 }, $"ttl {ttl}");

        var counter = NewKey();
        await Invoke("increment", metadata: ("key", counter));
        await Invoke("increment", metadata: [("key", counter), ("ttlInSeconds", "50")]);
        Assert.Equal(2, (long)await Direct.StringGetAsync(counter));
        Assert.True(await Direct.KeyTimeToLiveAsync(counter) is { TotalSeconds: > 0 and <= 50 });
    }

    [Theory]
    [InlineData("create", new[] { "ttlInSeconds", "10" }, "metadata 'key' is required")]
    [InlineData("get", new string[0], "metadata 'key' is required")]
    [InlineData("create", new[] { "key", "k", "ttlInSeconds", "soon" }, "metadata 'ttlInSeconds' must be a whole number")]
    [InlineData("create", new[] { "key", "k", "ttlInSeconds", "0" }, "metadata 'ttlInSeconds' must be higher than zero")]
    public async Task Bad_request_metadata_is_refused_and_named(string operation, string[] pairs, string message)
    {
        var e = await Assert.ThrowsAsync<BindingException>(() => Invoke(operation, "1", pairs.Chunk(2).Select(p => (p[0], p[1])).ToArray()));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_or_unreachable_hosts_fail_init_with_the_key()
    {
        var missing = await Assert.ThrowsAsync<ComponentConfigurationException>(() => CreateAsync());
        Assert.Contains("metadata 'redisHost' is required", missing.Message, StringComparison.Ordinal);
        var badDb = await Assert.ThrowsAsync<ComponentConfigurationException>(() => CreateAsync(("redisHost", redis.Server.HostPort), ("redisDB", "x")));
        Assert.Contains("metadata 'redisDB'", badDb.Message, StringComparison.Ordinal);
    }
}
