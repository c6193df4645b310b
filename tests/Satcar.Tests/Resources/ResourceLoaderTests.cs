using System.Text.Json.Nodes;
using Satcar.Components;
using Satcar.Runtime.Resources;
using Satcar.Testing;

namespace Satcar.Tests.Resources;

public sealed class ResourceLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ResourceLoader _loader = new(BuiltInComponents.CreateRegistry());

    private const string Store = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: statestore
        spec:
          type: state.redis
          version: v1
          metadata:
          - name: redisHost
            value: localhost:6379
          - name: redisPassword
            value: ""
          - name: redisDB
            value: 3
        """;

    public void Dispose() => _dir.Dispose();

    private ResourceSet Load(string? appId = null, params string[] configs) =>
        _loader.Load(new ResourceLoadRequest { ResourcePaths = [_dir.Path], ConfigFiles = configs, AppId = appId });

    [Fact]
    public void Reads_a_component_with_its_metadata_as_text()
    {
        _dir.Write("statestore.yaml", Store);
        var set = Load();
        Assert.True(set.IsValid, string.Join("\n", set.Problems));
        var component = Assert.Single(set.Components);
        Assert.Equal("statestore", component.Name);
        Assert.Equal("state.redis", component.Type);
        Assert.Equal("v1", component.Version);
        Assert.Equal(["redisHost", "redisPassword", "redisDB"], component.Metadata.Select(m => m.Name));
        Assert.Equal(["localhost:6379", "", "3"], component.Metadata.Select(m => m.Value));
    }

    [Fact]
    public void Reads_every_document_of_a_multi_document_file_and_yml_files()
    {
        _dir.Write("all.yml", Store + "\n---\n" + Store.Replace("name: statestore", "name: second", StringComparison.Ordinal) + "\n---\n");
        var set = Load();
        Assert.True(set.IsValid, string.Join("\n", set.Problems));
        Assert.Equal(["second", "statestore"], set.Components.Select(c => c.Name).Order());
    }

    [Fact]
    public void Ignores_files_that_are_not_yaml()
    {
        _dir.Write("notes.txt", "not yaml: [");
        _dir.Write("statestore.yaml", Store);
        Assert.Single(Load().Components);
    }

    [Fact]
    public void Applies_scopes_by_app_id()
    {
        _dir.Write("statestore.yaml", Store + "\nscopes:\n- orderstore\n");
        Assert.Single(Load("orderstore").Components);
        var other = Load("publisher");
        Assert.Empty(other.Components);
        Assert.Equal(1, other.OutOfScope);
    }

    [Fact]
    public void Refuses_duplicate_names_across_files_naming_both()
    {
        _dir.Write("a.yaml", Store);
        _dir.Write("b.yaml", Store);
        var problem = Assert.Single(Load().Problems);
        Assert.EndsWith("b.yaml", problem.File, StringComparison.Ordinal);
        Assert.Equal("metadata.name", problem.Field);
        Assert.Contains("duplicate component name 'statestore'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("a.yaml", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_unknown_type_and_lists_the_known_ones()
    {
        _dir.Write("x.yaml", Store.Replace("state.redis", "state.cassandra", StringComparison.Ordinal));
        var problem = Assert.Single(Load().Problems);
        Assert.Equal("spec.type", problem.Field);
        Assert.Contains("unknown component type 'state.cassandra'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("state.in-memory, state.redis, state.sqlite", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_unknown_version()
    {
        _dir.Write("x.yaml", Store.Replace("version: v1", "version: v9", StringComparison.Ordinal));
        var problem = Assert.Single(Load().Problems);
        Assert.Equal("spec.version", problem.Field);
        Assert.Contains("known versions: v1", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_every_problem_at_once_with_file_line_and_field()
    {
        _dir.Write("bad.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: bad/name
            spec:
              version: v1
              initTimeout: soon
              metadata:
              - value: orphan
            ---
            apiVersion: dapr.io/v2
            kind: Component
            metadata:
              name: other
            spec:
              type: nope.nope
            """);
        _dir.Write("broken.yaml", "apiVersion: [unclosed");
        var problems = Load().Problems;
        var fields = problems.Select(p => $"{Path.GetFileName(p.File)}:{p.Field}").ToList();
        Assert.Contains("bad.yaml:metadata.name", fields);
        Assert.Contains("bad.yaml:spec.type", fields);
        Assert.Contains("bad.yaml:spec.initTimeout", fields);
        Assert.Contains("bad.yaml:spec.metadata[0].name", fields);
        Assert.Contains("bad.yaml:apiVersion", fields);
        Assert.Contains(problems, p => p.File.EndsWith("broken.yaml", StringComparison.Ordinal) && p.Message.StartsWith("invalid YAML", StringComparison.Ordinal));
        Assert.All(problems, p => Assert.NotNull(p.Line));
        Assert.True(problems.Count >= 7, string.Join("\n", problems));
    }

    [Fact]
    public void A_missing_folder_is_a_problem()
    {
        var set = _loader.Load(new ResourceLoadRequest { ResourcePaths = [Path.Combine(_dir.Path, "nope")] });
        Assert.Contains("does not exist", Assert.Single(set.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_secret_and_env_references_and_auth()
    {
        _dir.Write("s.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: statestore
            spec:
              type: state.redis
              version: v1
              ignoreErrors: true
              initTimeout: 2s
              metadata:
              - name: redisPassword
                secretKeyRef:
                  name: redis-secret
              - name: redisHost
                envRef: REDIS_HOST
            auth:
              secretStore: vault
            """);
        var component = Assert.Single(Load().Components);
        Assert.True(component.IgnoreErrors);
        Assert.Equal(TimeSpan.FromSeconds(2), component.InitTimeout);
        Assert.Equal("vault", component.SecretStore);
        Assert.Equal(new SecretKeyRef("redis-secret", "redis-secret"), component.Metadata[0].SecretKeyRef);
        Assert.Equal("REDIS_HOST", component.Metadata[1].EnvRef);
    }

    [Fact]
    public void Does_not_expand_variables_in_component_files()
    {
        _dir.Write("s.yaml", Store.Replace("localhost:6379", "${REDIS_HOST}:${REDIS_PORT}", StringComparison.Ordinal));
        Assert.Equal("${REDIS_HOST}:${REDIS_PORT}", Assert.Single(Load().Components).Metadata[0].Value);
    }

    [Fact]
    public void Loads_the_seeds_configuration_verbatim_once_consul_host_and_port_are_filled()
    {
        var seed = Path.Combine(AppContext.BaseDirectory, "Resources", "Seed", "config.yaml.tpl");
        var set = _loader.Load(new ResourceLoadRequest
        {
            ConfigFiles = [seed],
            Variables = new Dictionary<string, string>
            {
                ["CONSUL_HOST"] = "consul.internal",
                ["CONSUL_PORT"] = "8500",
                ["APP_ID"] = "orderstore",
                ["APP_PORT"] = "3000",
                ["HOST_ADDRESS"] = "satcar2.example.net",
                ["DAPR_METRICS_PORT"] = "9090",
                ["DAPR_PROFILE_PORT"] = "7777",
            },
        });
        Assert.True(set.IsValid, string.Join("\n", set.Problems));
        var configuration = set.Configuration!;
        Assert.Equal("appconfig", configuration.Name);
        var nr = configuration.NameResolution!;
        Assert.Equal("consul", nr.Component);
        Assert.Equal("consul.internal:8500", (string?)nr.Configuration["client"]!["address"]);
        Assert.False((bool)nr.Configuration["selfRegister"]!);
        Assert.True((bool)nr.Configuration["queryOptions"]!["useCache"]!);
        Assert.Equal("DAPR_PORT", (string?)nr.Configuration["daprPortMetaKey"]);
        var registration = (JsonObject)nr.Configuration["advancedRegistration"]!;
        Assert.Equal("orderstore", (string?)registration["name"]);
        Assert.Equal(3000, (long)registration["port"]!);
        Assert.Equal("satcar2.example.net", (string?)registration["address"]);
        Assert.Equal("9090", (string?)registration["meta"]!["DAPR_METRICS_PORT"]);
        Assert.Equal("7777", (string?)registration["meta"]!["DAPR_PROFILE_PORT"]);
        Assert.Equal("dapr", (string?)registration["tags"]![0]);
    }

    [Fact]
    public void Later_configuration_files_override_earlier_ones_key_by_key()
    {
        var first = _dir.Write("c1.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: first
            spec:
              features:
              - name: HotReload
                enabled: true
              logging:
                apiLogging:
                  enabled: false
            """);
        var second = _dir.Write("c2.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: second
            spec:
              logging:
                apiLogging:
                  enabled: true
            """);
        var configuration = _loader.Load(new ResourceLoadRequest { ConfigFiles = [first, second] }).Configuration!;
        Assert.True(configuration.IsEnabled("HotReload"));
        Assert.True(configuration.ApiLogging);
    }

    [Fact]
    public void A_configuration_file_without_a_configuration_is_a_problem()
    {
        var file = _dir.Write("c.yaml", Store);
        var problem = Assert.Single(_loader.Load(new ResourceLoadRequest { ConfigFiles = [file] }).Problems);
        Assert.Equal("kind", problem.Field);
    }

    [Fact]
    public void A_configuration_in_a_resources_folder_is_ignored_with_a_note()
    {
        _dir.Write("c.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: ignored
            spec: {}
            """);
        var set = Load();
        Assert.True(set.IsValid);
        Assert.Null(set.Configuration);
        Assert.Contains(set.Notes, n => n.Contains("--config", StringComparison.Ordinal));
    }

    [Fact]
    public void A_broken_secret_scope_is_a_problem_naming_its_field()
    {
        var file = _dir.Write("c.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: scoped
            spec:
              secrets:
                scopes:
                - storeName: vault
                  defaultAccess: sometimes
            """);
        var problem = Assert.Single(_loader.Load(new ResourceLoadRequest { ConfigFiles = [file] }).Problems);
        Assert.StartsWith("spec.secrets.scopes[0].defaultAccess", problem.Field, StringComparison.Ordinal);
        Assert.Equal(9, problem.Line);
    }

    [Fact]
    public void With_NAMESPACE_set_subscriptions_and_components_of_another_namespace_are_not_loaded()
    {
        _dir.Write("subscriptions.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Subscription
            metadata:
              name: in-prod
              namespace: prod
            spec:
              pubsubname: pubsub
              topic: prod-orders
              route: /orders
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Subscription
            metadata:
              name: in-test
              namespace: test
            spec:
              pubsubname: pubsub
              topic: test-orders
              route: /orders
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Subscription
            metadata:
              name: anywhere
            spec:
              pubsubname: pubsub
              topic: all-orders
              route: /orders
            """);
        _dir.Write("statestore.yaml", Store.Replace("name: statestore", "name: statestore\n  namespace: test", StringComparison.Ordinal));

        ResourceSet LoadIn(string? ns) =>
            _loader.Load(new ResourceLoadRequest { ResourcePaths = [_dir.Path], ConfigFiles = [], Namespace = ns });

        var prod = LoadIn("prod");
        Assert.Empty(prod.Problems);
        Assert.Equal(["all-orders", "prod-orders"], prod.Subscriptions.Select(s => s.Topic).Order(StringComparer.Ordinal));
        Assert.Empty(prod.Components);
        Assert.Equal(["all-orders", "test-orders"], LoadIn("test").Subscriptions.Select(s => s.Topic).Order(StringComparer.Ordinal));
        Assert.Single(LoadIn("test").Components);
        // Without NAMESPACE, metadata.namespace is ignored, as in daprd.
        Assert.Equal(3, LoadIn(null).Subscriptions.Count);
    }
}
