using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Components;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Resources;
using Satcar.Runtime.Secrets;

namespace Satcar.Tests.Secrets;

public sealed class SecretsServiceTests
{
    private const string Scopes = """
        { "secrets": { "scopes": [ { "storeName": "vault", "defaultAccess": "allow", "deniedSecrets": ["admin"] } ] } }
        """;

    private readonly ComponentStore _components = new();
    private readonly ListLogger<SecretsService> _logger = new();
    private readonly FakeSecretStore _vault = new()
    {
        Secrets =
        {
            ["db"] = new Dictionary<string, string> { ["user"] = "orders", ["password"] = "pg-pass" },
            ["admin"] = new Dictionary<string, string> { ["admin"] = "root" },
            ["empty"] = new Dictionary<string, string> { ["empty"] = "" },
        },
    };

    private SecretsService Service(string? spec = Scopes)
    {
        var configuration = spec is null ? null : new ConfigurationResource { Name = "config", Files = [], Spec = JsonNode.Parse(spec)!.AsObject() };
        return new SecretsService(_components, new ResourceSet([], 0, configuration, [], []), _logger);
    }

    private void Load(string name, IComponent instance, string type = "secretstores.local.file")
    {
        var resource = new ComponentResource { Name = name, Type = type, Version = "v1", File = "test.yaml" };
        _components.Set(new LoadedComponent(resource, new ComponentMetadata(name, type, "v1", []), instance, []));
    }

    private static async Task<ApiError> Fails(Func<Task> call) => (await Assert.ThrowsAsync<ApiException>(call)).Error;

    [Fact]
    public async Task Without_any_secret_store_every_call_is_not_configured()
    {
        var service = Service();
        var error = await Fails(() => service.GetSecretAsync("vault", "db", SecretStores.NoMetadata, CancellationToken.None));
        Assert.Equal(("ERR_SECRET_STORES_NOT_CONFIGURED", 500, "secret store is not configured"), (error.Code, error.HttpStatus, error.Message));
        error = await Fails(() => service.GetBulkSecretAsync("vault", SecretStores.NoMetadata, CancellationToken.None));
        Assert.Equal("ERR_SECRET_STORES_NOT_CONFIGURED", error.Code);
    }

    [Fact]
    public async Task An_unknown_store_is_not_found_with_daprds_401()
    {
        Load("vault", _vault);
        Load("statestore", new NotASecretStore(), "state.in-memory");
        var service = Service();
        foreach (var name in new[] { "nope", "statestore" })
        {
            var error = await Fails(() => service.GetSecretAsync(name, "db", SecretStores.NoMetadata, CancellationToken.None));
            Assert.Equal(("ERR_SECRET_STORE_NOT_FOUND", 401, $"failed finding secret store with key {name}"), (error.Code, error.HttpStatus, error.Message));
        }
    }

    [Fact]
    public async Task Get_passes_the_metadata_and_returns_the_stores_values()
    {
        Load("vault", _vault);
        var metadata = new Dictionary<string, string> { ["version"] = "2" };
        var values = await Service().GetSecretAsync("vault", "db", metadata, CancellationToken.None);
        Assert.Equal("pg-pass", values["password"]);
        Assert.Equal("2", _vault.LastMetadata!["version"]);
    }

    [Fact]
    public async Task A_denied_secret_is_refused_before_the_store_is_asked()
    {
        Load("vault", _vault);
        var error = await Fails(() => Service().GetSecretAsync("vault", "admin", SecretStores.NoMetadata, CancellationToken.None));
        Assert.Equal(("ERR_PERMISSION_DENIED", 403), (error.Code, error.HttpStatus));
        Assert.Equal("access denied by policy to get \"admin\" from \"vault\"", error.Message);
        Assert.Equal(0, _vault.Calls);
    }

    [Fact]
    public async Task A_store_failure_is_err_secret_get_with_the_stores_reason()
    {
        Load("vault", _vault);
        var error = await Fails(() => Service().GetSecretAsync("vault", "missing", SecretStores.NoMetadata, CancellationToken.None));
        Assert.Equal(("ERR_SECRET_GET", 500), (error.Code, error.HttpStatus));
        Assert.Equal("failed getting secret with key missing from secret store vault: secret missing not found", error.Message);

        _vault.Failure = new IOException("disk on fire");
        error = await Fails(() => Service().GetBulkSecretAsync("vault", SecretStores.NoMetadata, CancellationToken.None));
        Assert.Equal(("ERR_SECRET_GET", 500, "failed getting secrets from secret store vault: disk on fire"), (error.Code, error.HttpStatus, error.Message));
    }

    [Fact]
    public async Task Bulk_leaves_out_the_secrets_the_scopes_deny()
    {
        Load("vault", _vault);
        var all = await Service().GetBulkSecretAsync("vault", SecretStores.NoMetadata, CancellationToken.None);
        Assert.Equal(["db", "empty"], all.Keys.Order(StringComparer.Ordinal));

        var unscoped = await Service(spec: null).GetBulkSecretAsync("vault", SecretStores.NoMetadata, CancellationToken.None);
        Assert.Equal(["admin", "db", "empty"], unscoped.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_broken_scope_is_logged_by_field_and_denies_its_store()
    {
        Load("vault", _vault);
        var service = Service("""{ "secrets": { "scopes": [ { "storeName": "vault", "defaultAccess": "sometimes" } ] } }""");
        Assert.Contains(_logger.Entries, e => e.EventId == 1800 && e.Level == LogLevel.Error && e.Message.Contains("spec.secrets.scopes[0].defaultAccess", StringComparison.Ordinal));
        var error = await Fails(() => service.GetSecretAsync("vault", "db", SecretStores.NoMetadata, CancellationToken.None));
        Assert.Equal("ERR_PERMISSION_DENIED", error.Code);
        Assert.Empty(await service.GetBulkSecretAsync("vault", SecretStores.NoMetadata, CancellationToken.None));
    }

    private static ComponentResource Referencing(string? secretStore, string? @namespace = null) =>
        new() { Name = "statestore", Type = "state.redis", Version = "v1", File = "redis.yaml", SecretStore = secretStore, Namespace = @namespace };

    [Fact]
    public async Task A_secret_key_ref_is_read_through_the_components_secret_store_ignoring_scopes()
    {
        Load("vault", _vault);
        var service = Service("""{ "secrets": { "scopes": [ { "storeName": "vault", "defaultAccess": "deny" } ] } }""");
        Assert.Equal("pg-pass", await service.ResolveSecretKeyRefAsync(Referencing("vault", "prod"), new SecretKeyRef("db", "password"), CancellationToken.None));
        Assert.Equal("prod", _vault.LastMetadata!["namespace"]);
        Assert.Equal("root", await service.ResolveSecretKeyRefAsync(Referencing("vault"), new SecretKeyRef("admin", ""), CancellationToken.None));
        Assert.Equal("", _vault.LastMetadata!["namespace"]);
    }

    [Theory]
    [InlineData(null, "db", "password", 1803, "has no auth.secretStore")]
    [InlineData("elsewhere", "db", "password", 1804, "references secret store elsewhere, which is not loaded")]
    [InlineData("vault", "missing", "missing", 1805, "secret missing cannot be read from secret store vault: secret missing not found")]
    [InlineData("vault", "db", "nope", 1806, "has no key nope with a value")]
    [InlineData("vault", "empty", "empty", 1806, "has no key empty with a value")]
    public async Task An_unresolvable_secret_key_ref_is_null_with_the_reason_logged(string? store, string name, string key, int eventId, string reason)
    {
        Load("vault", _vault);
        var value = await Service().ResolveSecretKeyRefAsync(Referencing(store), new SecretKeyRef(name, key), CancellationToken.None);
        Assert.Null(value);
        var entry = Assert.Single(_logger.Entries, e => e.EventId == eventId);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("statestore", entry.Message, StringComparison.Ordinal);
        Assert.Contains(reason, entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pg-pass", string.Join("\n", _logger.Entries.Select(e => e.Message)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_resolution_is_not_swallowed()
    {
        Load("vault", _vault);
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        _vault.Failure = new OperationCanceledException(cancel.Token);
        await Assert.ThrowsAsync<OperationCanceledException>(() => Service().ResolveSecretKeyRefAsync(Referencing("vault"), new SecretKeyRef("db", "user"), cancel.Token));
    }

    private sealed class FakeSecretStore : ISecretStore
    {
        public Dictionary<string, IReadOnlyDictionary<string, string>> Secrets { get; } = new(StringComparer.Ordinal);

        public Exception? Failure { get; set; }

        public IReadOnlyDictionary<string, string>? LastMetadata { get; private set; }

        public int Calls { get; private set; }

        public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IReadOnlyDictionary<string, string>> GetSecretAsync(string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
        {
            Calls++;
            LastMetadata = metadata;
            if (Failure is not null)
            {
                throw Failure;
            }

            return Secrets.TryGetValue(name, out var values) ? Task.FromResult(values) : throw new SecretNotFoundException(name);
        }

        public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretAsync(IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
        {
            Calls++;
            LastMetadata = metadata;
            return Failure is not null ? throw Failure : Task.FromResult<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>(Secrets);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class NotASecretStore : IComponent
    {
        public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
