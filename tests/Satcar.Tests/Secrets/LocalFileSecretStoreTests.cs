using Satcar.Runtime.Components;
using Satcar.Runtime.Secrets;
using Satcar.Testing;

namespace Satcar.Tests.Secrets;

public sealed class LocalFileSecretStoreTests : IDisposable
{
    private const string Type = "secretstores.local.file";

    private const string Nested = """
        {
          "redisPassword": "s3cret",
          "db": { "user": "orders", "conn": { "host": "db.local", "port": 5432 } },
          "hosts": ["a.local", "b.local"],
          "enabled": true,
          "nothing": null
        }
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Task<ISecretStore> StoreAsync(string json, Dictionary<string, string>? extra = null)
    {
        var metadata = new Dictionary<string, string> { ["secretsFile"] = _dir.Write("secrets.json", json) };
        foreach (var (key, value) in extra ?? [])
        {
            metadata[key] = value;
        }

        return SecretStores.CreateAsync(Type, metadata);
    }

    private static async Task<Dictionary<string, string>> Get(ISecretStore store, string name) =>
        new(await store.GetSecretAsync(name, SecretStores.NoMetadata, CancellationToken.None));

    [Fact]
    public async Task Flattens_nested_objects_and_arrays_with_a_colon_by_default()
    {
        var store = await StoreAsync(Nested);
        Assert.Equal(new Dictionary<string, string> { ["redisPassword"] = "s3cret" }, await Get(store, "redisPassword"));
        Assert.Equal(new Dictionary<string, string> { ["db:user"] = "orders" }, await Get(store, "db:user"));
        Assert.Equal(new Dictionary<string, string> { ["db:conn:host"] = "db.local" }, await Get(store, "db:conn:host"));
        Assert.Equal(new Dictionary<string, string> { ["hosts:1"] = "b.local" }, await Get(store, "hosts:1"));
        await Assert.ThrowsAsync<SecretNotFoundException>(() => Get(store, "db"));
    }

    [Fact]
    public async Task Writes_numbers_and_booleans_as_in_the_file_and_null_as_empty()
    {
        var store = await StoreAsync(Nested);
        Assert.Equal("5432", (await Get(store, "db:conn:port"))["db:conn:port"]);
        Assert.Equal("true", (await Get(store, "enabled"))["enabled"]);
        Assert.Equal("", (await Get(store, "nothing"))["nothing"]);
    }

    [Fact]
    public async Task Uses_the_nested_separator_it_is_given()
    {
        var store = await StoreAsync(Nested, new() { ["nestedSeparator"] = "." });
        Assert.Equal("db.local", (await Get(store, "db.conn.host"))["db.conn.host"]);
        await Assert.ThrowsAsync<SecretNotFoundException>(() => Get(store, "db:conn:host"));
    }

    [Fact]
    public async Task Multi_valued_keeps_first_level_objects_as_one_secret_with_many_keys()
    {
        var store = await StoreAsync(Nested, new() { ["multiValued"] = "true" });
        Assert.Equal(
            new Dictionary<string, string> { ["user"] = "orders", ["conn:host"] = "db.local", ["conn:port"] = "5432" },
            await Get(store, "db"));
        Assert.Equal(new Dictionary<string, string> { ["redisPassword"] = "s3cret" }, await Get(store, "redisPassword"));
        Assert.Equal(new Dictionary<string, string> { ["0"] = "a.local", ["1"] = "b.local" }, await Get(store, "hosts"));
        await Assert.ThrowsAsync<SecretNotFoundException>(() => Get(store, "db:user"));
    }

    [Fact]
    public async Task Multi_valued_flattens_inside_a_secret_with_the_nested_separator()
    {
        var store = await StoreAsync(Nested, new() { ["multiValued"] = "true", ["nestedSeparator"] = "__" });
        Assert.Equal("db.local", (await Get(store, "db"))["conn__host"]);
    }

    [Fact]
    public async Task Bulk_returns_every_secret()
    {
        var store = await StoreAsync("""{ "a": "1", "b": { "c": "2" } }""");
        var all = await store.GetBulkSecretAsync(SecretStores.NoMetadata, CancellationToken.None);
        Assert.Equal(["a", "b:c"], all.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("2", all["b:c"]["b:c"]);

        var multi = await StoreAsync("""{ "a": "1", "b": { "c": "2", "d": "3" } }""", new() { ["multiValued"] = "yes" });
        var grouped = await multi.GetBulkSecretAsync(SecretStores.NoMetadata, CancellationToken.None);
        Assert.Equal(["a", "b"], grouped.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Dictionary<string, string> { ["c"] = "2", ["d"] = "3" }, new Dictionary<string, string>(grouped["b"]));
    }

    [Fact]
    public async Task An_unknown_secret_is_not_found_with_daprds_message()
    {
        var store = await StoreAsync(Nested);
        var e = await Assert.ThrowsAsync<SecretNotFoundException>(() => Get(store, "missing"));
        Assert.Equal("secret missing not found", e.Message);
    }

    [Fact]
    public async Task A_relative_path_is_read_from_the_working_folder()
    {
        var full = _dir.Write("relative/secrets.json", """{ "k": "v" }""");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        Assert.False(Path.IsPathRooted(relative));
        var store = await SecretStores.CreateAsync(Type, new() { ["secretsFile"] = relative });
        Assert.Equal("v", (await Get(store, "k"))["k"]);
    }

    [Fact]
    public async Task A_missing_file_fails_the_init_naming_the_key_and_the_path()
    {
        var missing = Path.Combine(_dir.Path, "nope.json");
        var e = await Assert.ThrowsAsync<ComponentConfigurationException>(() => SecretStores.CreateAsync(Type, new() { ["secretsFile"] = missing }));
        Assert.Contains("metadata 'secretsFile'", e.Message, StringComparison.Ordinal);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_secrets_file_the_init_fails_naming_the_key()
    {
        var e = await Assert.ThrowsAsync<ComponentConfigurationException>(() => SecretStores.CreateAsync(Type, []));
        Assert.Contains("metadata 'secretsFile' is required", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"a\": ", "is not valid JSON")]
    [InlineData("{ \"a\": \"1\", }", "is not valid JSON")]
    [InlineData("[\"a\"]", "must hold a JSON object, not array")]
    [InlineData("\"just text\"", "must hold a JSON object, not string")]
    public async Task Invalid_json_fails_the_init_naming_the_key(string json, string problem)
    {
        var e = await Assert.ThrowsAsync<ComponentConfigurationException>(() => StoreAsync(json));
        Assert.Contains("metadata 'secretsFile'", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_that_appears_twice_after_flattening_is_refused()
    {
        var e = await Assert.ThrowsAsync<ComponentConfigurationException>(() => StoreAsync("""{ "a:b": "1", "a": { "b": "2" } }"""));
        Assert.Contains("'a:b' twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_multi_valued_flag_is_refused_naming_the_key()
    {
        var e = await Assert.ThrowsAsync<ComponentConfigurationException>(() => StoreAsync("{}", new() { ["multiValued"] = "sometimes" }));
        Assert.Contains("metadata 'multiValued' must be a boolean", e.Message, StringComparison.Ordinal);
    }
}
