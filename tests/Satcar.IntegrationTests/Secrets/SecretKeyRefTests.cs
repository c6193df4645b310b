using System.Net;
using System.Text;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Secrets;

/// <summary>
/// A <c>state.redis</c> component whose <c>redisPassword</c> is a <c>secretKeyRef</c> read through
/// <c>auth.secretStore</c> from a <c>secretstores.local.file</c> store, against a redis-server that
/// requires that password.
/// </summary>
public sealed class SecretKeyRefTests : IAsyncLifetime
{
    private const string Password = "redis-password-from-the-secret-store";

    private readonly TempDirectory _dir = new();
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync(password: Password);

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>Writes a local.file store and a state.redis component that takes its password from it.</summary>
    private string Resources(string secretName, string secretKey, bool multiValued)
    {
        var secrets = multiValued
            ? $$"""{ "redis": { "password": "{{Password}}" } }"""
            : $$"""{ "redis": { "password": "{{Password}}" }, "redisPassword": "{{Password}}" }""";
        var file = _dir.Write("secrets.json", secrets);
        _dir.Write("resources/components.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: statestore
            spec:
              type: state.redis
              version: v1
              initTimeout: 20s
              metadata:
              - name: redisHost
                value: {_redis.HostPort}
              - name: redisPassword
                secretKeyRef:
                  name: {secretName}
                  key: {secretKey}
              - name: dialTimeout
                value: 2s
            auth:
              secretStore: filesecrets
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: filesecrets
            spec:
              type: secretstores.local.file
              version: v1
              metadata:
              - name: secretsFile
                value: {file}
              - name: multiValued
                value: "{(multiValued ? "true" : "false")}"
            """);
        return Path.Combine(_dir.Path, "resources");
    }

    [Theory]
    [InlineData("redisPassword", "redisPassword", false)]
    [InlineData("redis:password", "redis:password", false)]
    [InlineData("redis", "password", true)]
    public async Task The_state_store_connects_with_the_password_from_the_secret_store(string secretName, string secretKey, bool multiValued)
    {
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "keyref", "--resources-path", Resources(secretName, secretKey, multiValued)]);
        using var client = new HttpClient { BaseAddress = satcar.BaseUri, Timeout = TimeSpan.FromSeconds(30) };

        using (var save = await client.PostAsync(
            new Uri("/v1.0/state/statestore", UriKind.Relative),
            new StringContent("""[{"key":"order-1","value":{"id":1}}]""", Encoding.UTF8, "application/json")))
        {
            Assert.True(save.StatusCode == HttpStatusCode.NoContent, await save.Content.ReadAsStringAsync());
        }

        using var get = await client.GetAsync(new Uri("/v1.0/state/statestore/order-1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("""{"id":1}""", await get.Content.ReadAsStringAsync());
        Assert.DoesNotContain(Password, satcar.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing", "missing", "secret missing cannot be read from secret store filesecrets: secret missing not found")]
    [InlineData("redis", "nokey", "secret redis in secret store filesecrets has no key nokey with a value")]
    public async Task Without_the_secret_the_state_store_fails_to_init_with_a_clear_message(string secretName, string secretKey, string reason)
    {
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(
            ["run", "--app-id", "keyref", "--dapr-http-port", Ports.Free().ToString(), "--dapr-listen-addresses", "127.0.0.1",
             "--resources-path", Resources(secretName, secretKey, multiValued: true)],
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 1, output);
        Assert.Contains(reason, output, StringComparison.Ordinal);
        Assert.Contains($"metadata 'redisPassword' references secret {secretName} in store filesecrets, which cannot be read; the item is left unset", output, StringComparison.Ordinal);
        Assert.Contains("component statestore (state.redis/v1)", output, StringComparison.Ordinal);
        Assert.Contains("failed to init", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_secret_store_leaves_the_item_unset_with_a_warning()
    {
        var resources = Resources("redisPassword", "redisPassword", multiValued: false);
        var path = Path.Combine(resources, "components.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("secretStore: filesecrets", "secretStore: nosuchstore", StringComparison.Ordinal));
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(
            ["run", "--app-id", "keyref", "--dapr-http-port", Ports.Free().ToString(), "--dapr-listen-addresses", "127.0.0.1", "--resources-path", resources],
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 1, output);
        Assert.Contains("Component statestore references secret store nosuchstore, which is not loaded", output, StringComparison.Ordinal);
        Assert.Contains("component statestore (state.redis/v1)", output, StringComparison.Ordinal);
        Assert.Contains("failed to init", output, StringComparison.Ordinal);
    }
}
