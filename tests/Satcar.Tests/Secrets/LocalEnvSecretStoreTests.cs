using Satcar.Components.Secrets.LocalEnv;
using Satcar.Runtime.Secrets;

namespace Satcar.Tests.Secrets;

/// <summary>
/// Each test sets variables with a name of its own, so tests running at the same time do not see
/// each other's, and removes them afterwards.
/// </summary>
public sealed class LocalEnvSecretStoreTests : IDisposable
{
    private const string Type = "secretstores.local.env";

    private readonly string _run = "T" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
    private readonly List<string> _set = [];

    public void Dispose()
    {
        foreach (var name in _set)
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    private void Set(string name, string value)
    {
        _set.Add(name);
        Environment.SetEnvironmentVariable(name, value);
    }

    private static async Task<Dictionary<string, string>> Get(ISecretStore store, string name) =>
        new(await store.GetSecretAsync(name, SecretStores.NoMetadata, CancellationToken.None));

    private static async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> Bulk(ISecretStore store) =>
        await store.GetBulkSecretAsync(SecretStores.NoMetadata, CancellationToken.None);

    [Fact]
    public async Task Get_returns_the_variable_and_an_empty_value_when_it_is_unset()
    {
        Set($"{_run}_PASSWORD", "hunter2");
        var store = await SecretStores.CreateAsync(Type, []);
        Assert.Equal(new Dictionary<string, string> { [$"{_run}_PASSWORD"] = "hunter2" }, await Get(store, $"{_run}_PASSWORD"));
        Assert.Equal(new Dictionary<string, string> { [$"{_run}_UNSET"] = "" }, await Get(store, $"{_run}_UNSET"));
    }

    [Fact]
    public async Task Bulk_without_a_prefix_returns_every_variable_by_its_name()
    {
        Set($"{_run}_A", "1");
        var store = await SecretStores.CreateAsync(Type, []);
        var all = await Bulk(store);
        Assert.Equal(new Dictionary<string, string> { [$"{_run}_A"] = "1" }, new Dictionary<string, string>(all[$"{_run}_A"]));
        Assert.True(all.ContainsKey("PATH"));
    }

    [Fact]
    public async Task A_prefix_is_added_on_get_and_stripped_from_the_names_bulk_returns()
    {
        Set($"{_run}_DB", "pg");
        Set($"{_run}_", "exactly the prefix");
        Set($"OTHER{_run}_DB", "not under the prefix");
        var store = await SecretStores.CreateAsync(Type, new() { ["prefix"] = $"{_run}_" });

        Assert.Equal(new Dictionary<string, string> { ["DB"] = "pg" }, await Get(store, "DB"));
        Assert.Equal(new Dictionary<string, string> { [$"{_run}_DB"] = "" }, await Get(store, $"{_run}_DB"));

        var all = await Bulk(store);
        Assert.Equal(["DB"], all.Keys);
        Assert.Equal(new Dictionary<string, string> { ["DB"] = "pg" }, new Dictionary<string, string>(all["DB"]));
    }

    [Fact]
    public async Task The_sidecars_own_variables_are_never_returned()
    {
        Set($"DAPR_{_run}", "dapr value");
        Set($"dapr_{_run}_lower", "dapr value");
        Set($"SATCAR_{_run}", "satcar value");
        var logger = new ListLogger<ISecretStore>();
        var store = await SecretStores.CreateAsync(Type, [], logger);

        Assert.Equal("", (await Get(store, $"DAPR_{_run}"))[$"DAPR_{_run}"]);
        Assert.Equal("", (await Get(store, $"dapr_{_run}_lower"))[$"dapr_{_run}_lower"]);
        Assert.Equal("", (await Get(store, $"SATCAR_{_run}"))[$"SATCAR_{_run}"]);
        Assert.Contains(logger.Entries, e => e.EventId == 1821 && e.Message.Contains($"DAPR_{_run}", StringComparison.Ordinal));

        var all = await Bulk(store);
        Assert.DoesNotContain(all.Keys, k => k.StartsWith("DAPR_", StringComparison.OrdinalIgnoreCase) || k.StartsWith("SATCAR_", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(all.Values.SelectMany(v => v.Values), v => v is "dapr value" or "satcar value");
    }

    [Fact]
    public async Task A_prefix_cannot_reach_the_sidecars_own_variables()
    {
        Set($"DAPR_{_run}_TOKEN", "dapr value");
        var store = await SecretStores.CreateAsync(Type, new() { ["prefix"] = "DAPR_" });
        Assert.Equal("", (await Get(store, $"{_run}_TOKEN"))[$"{_run}_TOKEN"]);
        Assert.Empty(await Bulk(store));
    }

    [Theory]
    [InlineData("DAPR_API_TOKEN", true)]
    [InlineData("dapr_api_token", true)]
    [InlineData("DAPR_HTTP_PORT", true)]
    [InlineData("APP_API_TOKEN", true)]
    [InlineData("App_Api_Token", true)]
    [InlineData("SATCAR_PEER_SECRET", true)]
    [InlineData("APP_API_TOKEN_2", false)]
    [InlineData("MY_DAPR_API_TOKEN", false)]
    [InlineData("REDIS_PASSWORD", false)]
    public void Refuses_exactly_the_sidecars_credentials(string variable, bool refused) =>
        Assert.Equal(refused, LocalEnvSecretStore.IsRefused(variable));
}
