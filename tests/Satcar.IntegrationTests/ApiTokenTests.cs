using System.Net;
using System.Text;
using Satcar.Testing;

namespace Satcar.IntegrationTests;

/// <summary><c>DAPR_API_TOKEN</c> and <c>APP_API_TOKEN</c> as daprd applies them, and the advisories they fixed.</summary>
public sealed class ApiTokenTests(TokenSatcarFixture fixture) : IClassFixture<TokenSatcarFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Add("dapr-api-token", token);
        }

        return await _client.SendAsync(request);
    }

    [Theory]
    [InlineData("GET", "/v1.0/metadata")]
    [InlineData("GET", "/v1.0/state/memstore/k")]
    [InlineData("POST", "/v1.0/state/memstore")]
    [InlineData("GET", "/v1.0/invoke/orders/method/ping")]
    [InlineData("POST", "/v1.0/shutdown")]
    [InlineData("GET", "/anything")]
    public async Task Every_route_needs_the_token(string verb, string path)
    {
        foreach (var token in new[] { null, "", "wrong", TokenSatcarFixture.ApiToken + "x" })
        {
            using var response = await Send(new HttpMethod(verb), path, token);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("invalid api token", await response.Content.ReadAsStringAsync());
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [InlineData("/v1.0/healthz")]
    [InlineData("/v1.0/healthz/outbound")]
    [InlineData("/v1.0/healthz/")]
    public async Task Exactly_get_healthz_and_outbound_are_exempt(string path)
    {
        using var response = await Send(HttpMethod.Get, path, token: null);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Theory]
    [InlineData("PUT", "/v1.0/healthz")]
    [InlineData("POST", "/v1.0/healthz/outbound")]
    [InlineData("GET", "/v1.0/invoke/orders/method/x?y=/healthz")]
    [InlineData("GET", "/v1.0/invoke/orders/method/healthz")]
    [InlineData("GET", "/V1.0/HEALTHZ")]
    [InlineData("GET", "/v1.0/healthz/outbound/extra")]
    [InlineData("GET", "/healthz")]
    public async Task Nothing_else_named_healthz_is_exempt(string verb, string path)
    {
        // Only this request's traces count: the satcar's own calls to the app (readiness, /dapr/subscribe) may land meanwhile.
        int Reached() => fixture.App.Requests.Count(r => r.RawTarget.Contains("healthz", StringComparison.OrdinalIgnoreCase));
        var before = Reached();
        using var response = await Send(new HttpMethod(verb), path, token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(before, Reached());
    }

    [Fact]
    public async Task With_the_token_the_api_answers_and_the_app_sees_only_its_own_token()
    {
        using var metadata = await Send(HttpMethod.Get, "/v1.0/metadata", TokenSatcarFixture.ApiToken);
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);

        var id = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1.0/invoke/orders/method/tokens/{id}") { Content = new StringContent("x", Encoding.UTF8) };
        request.Headers.Add("dapr-api-token", TokenSatcarFixture.ApiToken);
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var seen = fixture.App.Requests.Last(r => r.Path == $"/tokens/{id}");
        Assert.Equal([TokenSatcarFixture.AppToken], seen.Header("dapr-api-token"));
    }

    [Fact]
    public async Task The_state_api_works_with_the_token()
    {
        using var save = new HttpRequestMessage(HttpMethod.Post, "/v1.0/state/memstore") { Content = new StringContent("""[{"key":"t","value":1}]""") };
        save.Headers.Add("dapr-api-token", TokenSatcarFixture.ApiToken);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.SendAsync(save)).StatusCode);
        using var get = await Send(HttpMethod.Get, "/v1.0/state/memstore/t", TokenSatcarFixture.ApiToken);
        Assert.Equal("1", await get.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_raw_request_with_the_token_in_another_case_is_accepted()
    {
        var (status, _) = await RawHttp.SendAsync(fixture.Satcar.BaseUri, "GET", "/v1.0/metadata", $"DAPR-API-TOKEN: {TokenSatcarFixture.ApiToken}");
        Assert.Equal(200, status);
    }
}
