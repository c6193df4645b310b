using Satcar.Testing;

namespace Satcar.IntegrationTests.Secrets;

/// <summary>
/// A <c>satcar run</c> process with three secret stores and secret scopes in its Configuration:
/// <c>filesecrets</c> (local.file, nested names, <c>admin-token</c> denied), <c>multisecrets</c>
/// (local.file with <c>multiValued</c>, given by a path relative to the satcar's working folder;
/// only <c>db</c> allowed) and <c>envsecrets</c> (local.env with the prefix <c>ORDERS_</c>).
/// </summary>
public sealed class SecretsFixture : IAsyncLifetime
{
    public const string AppId = "secrets-app";
    public const string RedisPassword = "redis-pass-from-file";
    public const string DbPassword = "pg-pass-from-file";
    public const string EnvPassword = "pg-pass-from-env";

    public const string SecretsJson = $$"""
        {
          "redisPassword": "{{RedisPassword}}",
          "db": { "user": "orders", "password": "{{DbPassword}}" },
          "admin-token": "root-token",
          "bulk": "a secret that the bulk route hides"
        }
        """;

    private readonly TempDirectory _dir = new();

    public SatcarProcess Satcar { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var secretsFile = _dir.Write("secrets.json", SecretsJson);
        // The satcar runs in the test assembly's folder; a relative secretsFile is read from there, as daprd reads it from its own.
        var relative = Path.GetRelativePath(AppContext.BaseDirectory, secretsFile);
        _dir.Write("resources/secrets.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: filesecrets
            spec:
              type: secretstores.local.file
              version: v1
              metadata:
              - name: secretsFile
                value: {secretsFile}
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: multisecrets
            spec:
              type: secretstores.local.file
              version: v1
              metadata:
              - name: secretsFile
                value: {relative}
              - name: multiValued
                value: "true"
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: envsecrets
            spec:
              type: secretstores.local.env
              version: v1
              metadata:
              - name: prefix
                value: ORDERS_
            """);
        var config = _dir.Write("config.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: secrets
            spec:
              secrets:
                scopes:
                - storeName: filesecrets
                  defaultAccess: allow
                  deniedSecrets: ["admin-token"]
                - storeName: multisecrets
                  defaultAccess: deny
                  allowedSecrets: ["db"]
            """);
        Satcar = await SatcarProcess.RunAsync(
            ["--app-id", AppId, "--resources-path", Path.Combine(_dir.Path, "resources"), "--config", config],
            new Dictionary<string, string?> { ["ORDERS_DB_PASSWORD"] = EnvPassword });
        Client = new HttpClient { BaseAddress = Satcar.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Satcar is not null)
        {
            await Satcar.DisposeAsync();
        }

        _dir.Dispose();
    }
}
