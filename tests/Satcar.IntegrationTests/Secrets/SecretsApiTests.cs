using System.Net;
using System.Text.Json;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Secrets;

/// <summary>The secrets API over HTTP against a real <c>satcar run</c>, with daprd's statuses and error codes.</summary>
public sealed class SecretsApiTests(SecretsFixture fixture) : IClassFixture<SecretsFixture>
{
    private async Task<(HttpStatusCode Status, string Body, string? ContentType)> GetAsync(string path)
    {
        using var response = await fixture.Client.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    private async Task AssertErrorAsync(string path, HttpStatusCode status, string code, string message)
    {
        var (actual, body, _) = await GetAsync(path);
        Assert.True(actual == status, $"{path}: {(int)actual} {body}");
        using var json = JsonDocument.Parse(body);
        Assert.Equal(code, json.RootElement.GetProperty("errorCode").GetString());
        Assert.Equal(message, json.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Get_returns_the_secret_as_a_json_object()
    {
        var (status, body, contentType) = await GetAsync("/v1.0/secrets/filesecrets/redisPassword");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", contentType);
        Assert.Equal($$"""{"redisPassword":"{{SecretsFixture.RedisPassword}}"}""", body);
    }

    [Fact]
    public async Task Nested_values_are_reached_by_their_flattened_name()
    {
        var (status, body, _) = await GetAsync("/v1.0/secrets/filesecrets/db:password");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($$"""{"db:password":"{{SecretsFixture.DbPassword}}"}""", body);
    }

    [Fact]
    public async Task A_multi_valued_secret_comes_with_all_its_keys_in_order()
    {
        var (status, body, _) = await GetAsync("/v1.0/secrets/multisecrets/db?metadata.version=2");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($$"""{"password":"{{SecretsFixture.DbPassword}}","user":"orders"}""", body);
    }

    [Fact]
    public async Task Bulk_returns_every_allowed_secret_by_name()
    {
        var (status, body, contentType) = await GetAsync("/v1.0/secrets/filesecrets/bulk");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", contentType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(
            ["bulk", "db:password", "db:user", "redisPassword"],
            json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(SecretsFixture.RedisPassword, json.RootElement.GetProperty("redisPassword").GetProperty("redisPassword").GetString());
        Assert.DoesNotContain("root-token", body, StringComparison.Ordinal);

        (status, body, _) = await GetAsync("/v1.0/secrets/multisecrets/bulk");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($$$"""{"db":{"password":"{{{SecretsFixture.DbPassword}}}","user":"orders"}}""", body);
    }

    [Fact]
    public async Task A_secret_named_bulk_is_unreachable_as_in_daprd()
    {
        var (status, body, _) = await GetAsync("/v1.0/secrets/filesecrets/bulk");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("{\"bulk\":{\"bulk\":", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_store_is_401_err_secret_store_not_found()
    {
        await AssertErrorAsync("/v1.0/secrets/nostore/redisPassword", HttpStatusCode.Unauthorized, "ERR_SECRET_STORE_NOT_FOUND", "failed finding secret store with key nostore");
        await AssertErrorAsync("/v1.0/secrets/nostore/bulk", HttpStatusCode.Unauthorized, "ERR_SECRET_STORE_NOT_FOUND", "failed finding secret store with key nostore");
    }

    [Fact]
    public async Task An_unknown_secret_is_500_err_secret_get()
    {
        await AssertErrorAsync(
            "/v1.0/secrets/filesecrets/nope", HttpStatusCode.InternalServerError, "ERR_SECRET_GET",
            "failed getting secret with key nope from secret store filesecrets: secret nope not found");
    }

    [Fact]
    public async Task A_secret_the_scopes_deny_is_403_err_permission_denied()
    {
        await AssertErrorAsync(
            "/v1.0/secrets/filesecrets/admin-token", HttpStatusCode.Forbidden, "ERR_PERMISSION_DENIED",
            "access denied by policy to get \"admin-token\" from \"filesecrets\"");
        await AssertErrorAsync(
            "/v1.0/secrets/multisecrets/redisPassword", HttpStatusCode.Forbidden, "ERR_PERMISSION_DENIED",
            "access denied by policy to get \"redisPassword\" from \"multisecrets\"");
    }

    [Fact]
    public async Task Local_env_adds_the_prefix_and_answers_unset_variables_with_an_empty_value()
    {
        var (status, body, _) = await GetAsync("/v1.0/secrets/envsecrets/DB_PASSWORD");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($$"""{"DB_PASSWORD":"{{SecretsFixture.EnvPassword}}"}""", body);

        (status, body, _) = await GetAsync("/v1.0/secrets/envsecrets/NOT_SET");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"NOT_SET":""}""", body);

        (status, body, _) = await GetAsync("/v1.0/secrets/envsecrets/bulk");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($$$"""{"DB_PASSWORD":{"DB_PASSWORD":"{{{SecretsFixture.EnvPassword}}}"}}""", body);
    }

    [Fact]
    public async Task Another_verb_falls_through_to_service_invocation()
    {
        using var response = await fixture.Client.PostAsync(new Uri("/v1.0/secrets/filesecrets/redisPassword", UriKind.Relative), new StringContent(""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("ERR_DIRECT_INVOKE", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_metadata_api_lists_the_secret_stores()
    {
        var (status, body, _) = await GetAsync("/v1.0/metadata");
        Assert.Equal(HttpStatusCode.OK, status);
        using var json = JsonDocument.Parse(body);
        var components = json.RootElement.GetProperty("components").EnumerateArray()
            .Select(c => (c.GetProperty("name").GetString(), c.GetProperty("type").GetString()))
            .ToList();
        Assert.Contains(("filesecrets", "secretstores.local.file"), components);
        Assert.Contains(("multisecrets", "secretstores.local.file"), components);
        Assert.Contains(("envsecrets", "secretstores.local.env"), components);
    }

    [Fact]
    public async Task Without_secret_stores_the_api_is_500_err_secret_stores_not_configured()
    {
        using var dir = new TempDirectory();
        dir.Write("resources/state.yaml", TestComponents.InMemoryState());
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "no-secrets", "--resources-path", Path.Combine(dir.Path, "resources")]);
        using var client = new HttpClient { BaseAddress = satcar.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        foreach (var path in new[] { "/v1.0/secrets/statestore/key", "/v1.0/secrets/any/bulk" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, $"{path}: {(int)response.StatusCode} {body}");
            using var json = JsonDocument.Parse(body);
            Assert.Equal("ERR_SECRET_STORES_NOT_CONFIGURED", json.RootElement.GetProperty("errorCode").GetString());
            Assert.Equal("secret store is not configured", json.RootElement.GetProperty("message").GetString());
        }
    }
}
