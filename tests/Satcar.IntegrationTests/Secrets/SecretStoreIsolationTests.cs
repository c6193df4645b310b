using System.Net;
using System.Text.Json;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Secrets;

/// <summary>
/// <c>secretstores.local.env</c> never hands out the satcar's own credentials: the API token, the
/// app token and the peer secret stay out of get and bulk, with or without a prefix.
/// </summary>
public sealed class SecretStoreIsolationTests
{
    private const string ApiToken = "api-token-that-must-not-leak";
    private const string AppToken = "app-token-that-must-not-leak";
    private const string PeerSecret = "peer-secret-that-must-not-leak";

    [Fact]
    public async Task Local_env_does_not_expose_the_sidecars_credentials()
    {
        using var dir = new TempDirectory();
        dir.Write("resources/env.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: envsecrets
            spec:
              type: secretstores.local.env
              version: v1
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: daprprefixed
            spec:
              type: secretstores.local.env
              version: v1
              metadata:
              - name: prefix
                value: DAPR_
            """);
        var config = dir.Write("config.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: isolation
            spec:
              nameResolution:
                component: sqlite
                configuration:
                  connectionString: {Path.Combine(dir.Path, "names.db")}
            """);
        await using var satcar = await SatcarProcess.RunAsync(
            ["--app-id", "isolation", "--resources-path", Path.Combine(dir.Path, "resources"), "--config", config,
             "--dapr-internal-grpc-listen-address", "127.0.0.1"],
            new Dictionary<string, string?>
            {
                ["DAPR_API_TOKEN"] = ApiToken,
                ["APP_API_TOKEN"] = AppToken,
                ["SATCAR_PEER_SECRET"] = PeerSecret,
                ["SATCAR_HOME"] = dir.Path,
                ["PLAIN_SECRET"] = "visible",
            });
        using var client = new HttpClient { BaseAddress = satcar.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("dapr-api-token", ApiToken);

        async Task<string> Get(string path)
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
            return body;
        }

        Assert.Equal("""{"PLAIN_SECRET":"visible"}""", await Get("/v1.0/secrets/envsecrets/PLAIN_SECRET"));
        foreach (var name in new[] { "DAPR_API_TOKEN", "APP_API_TOKEN", "SATCAR_PEER_SECRET", "dapr_api_token" })
        {
            Assert.Equal($$"""{"{{name}}":""}""", await Get($"/v1.0/secrets/envsecrets/{name}"));
        }

        Assert.Equal("""{"API_TOKEN":""}""", await Get("/v1.0/secrets/daprprefixed/API_TOKEN"));
        Assert.Equal("{}", await Get("/v1.0/secrets/daprprefixed/bulk"));

        var bulk = await Get("/v1.0/secrets/envsecrets/bulk");
        using var json = JsonDocument.Parse(bulk);
        Assert.Equal("visible", json.RootElement.GetProperty("PLAIN_SECRET").GetProperty("PLAIN_SECRET").GetString());
        foreach (var value in new[] { ApiToken, AppToken, PeerSecret })
        {
            Assert.DoesNotContain(value, bulk, StringComparison.Ordinal);
        }

        foreach (var value in new[] { ApiToken, AppToken, PeerSecret })
        {
            Assert.DoesNotContain(value, satcar.Output, StringComparison.Ordinal);
        }
    }
}
