using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Satcar.Testing;

namespace Satcar.IntegrationTests;

/// <summary>Service invocation of the satcar's own app through a running <c>satcar run</c>.</summary>
public sealed class InvokeApiTests(SatcarFixture fixture) : IClassFixture<SatcarFixture>
{
    private readonly HttpClient _client = fixture.Client;
    private readonly FakeApp _app = fixture.App;

    private RecordedRequest LastRequestTo(string path) =>
        _app.Requests.Last(r => r.Path == path);

    private static async Task<string> ErrorCode(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("errorCode").GetString()!;
    }

    [Fact]
    public async Task Verb_path_query_headers_body_and_content_type_reach_the_app()
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v1.0/invoke/orders/method/echo/{id}?a=1&b=x%20y&a=2")
        {
            Content = new StringContent("""{"orderId":1}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Custom", "kept");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "for-the-app");

        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"orderId":1}""", await response.Content.ReadAsStringAsync());
        Assert.Equal("PUT", response.Headers.GetValues("X-Echo-Method").Single());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

        var seen = LastRequestTo($"/echo/{id}");
        Assert.Equal("PUT", seen.Method);
        Assert.Equal("?a=1&b=x%20y&a=2", seen.Query);
        Assert.Equal("kept", seen.Header("X-Custom").Single());
        Assert.Equal("Bearer for-the-app", seen.Header("Authorization").Single());
        Assert.StartsWith("application/json", seen.Header("Content-Type").Single(), StringComparison.Ordinal);
        Assert.Equal("""{"orderId":1}""", Encoding.UTF8.GetString(seen.Body));
        Assert.Equal(SatcarFixture.AppId, seen.Header("dapr-caller-app-id").Single());
        Assert.Equal(SatcarFixture.AppId, seen.Header("dapr-callee-app-id").Single());
        Assert.Empty(seen.Header("dapr-api-token"));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    [InlineData("OPTIONS")]
    [InlineData("HEAD")]
    public async Task Every_verb_passes_through(string verb)
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(verb), $"/v1.0/invoke/orders/method/verb/{id}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(verb, LastRequestTo($"/verb/{id}").Method);
    }

    [Fact]
    public async Task The_apps_status_headers_and_body_come_back_as_they_are()
    {
        using var teapot = await _client.GetAsync("/v1.0/invoke/orders/method/status/418");
        Assert.Equal((HttpStatusCode)418, teapot.StatusCode);
        Assert.Equal("status 418", await teapot.Content.ReadAsStringAsync());
        Assert.Equal("fake", teapot.Headers.GetValues("X-App").Single());

        using var notFound = await _client.GetAsync("/v1.0/invoke/orders/method/status/404");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("status 404", await notFound.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_large_body_streams_through_intact()
    {
        var body = new byte[1_000_000];
        Random.Shared.NextBytes(body);
        using var response = await _client.PostAsync("/v1.0/invoke/orders/method/echo/large", new ByteArrayContent(body));
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task The_dapr_app_id_header_makes_any_unmatched_path_an_invocation()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/neworder?x=1") { Content = new StringContent("""{"data":{"orderId":1}}""") };
        request.Headers.Add("dapr-app-id", SatcarFixture.AppId);
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = LastRequestTo("/neworder");
        Assert.Equal("?x=1", seen.Query);
        Assert.Empty(seen.Header("dapr-app-id"));
    }

    [Fact]
    public async Task The_header_wins_over_the_url_form_as_in_daprd()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1.0/invoke/elsewhere/method/thing");
        request.Headers.Add("dapr-app-id", SatcarFixture.AppId);
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(LastRequestTo("/v1.0/invoke/elsewhere/method/thing"));
    }

    [Fact]
    public async Task Basic_auth_with_the_dapr_app_id_user_names_the_target()
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/basic/{id}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("dapr-app-id:orders")));
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(LastRequestTo($"/basic/{id}").Header("Authorization"));
    }

    [Fact]
    public async Task An_unmatched_route_without_an_app_id_is_a_404()
    {
        using var response = await _client.PostAsync("/orders", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("ERR_DIRECT_INVOKE", await ErrorCode(response));
        Assert.Equal(0, _app.CountFor("/orders"));
    }

    [Fact]
    public async Task Hop_by_hop_headers_and_those_named_in_connection_are_stripped()
    {
        var id = Guid.NewGuid().ToString("N");
        var (status, _) = await RawHttp.SendAsync(fixture.Satcar.BaseUri, "GET", $"/v1.0/invoke/orders/method/hop/{id}",
            "Connection: keep-alive, X-Hop",
            "X-Hop: secret",
            "Keep-Alive: timeout=5",
            "Proxy-Authorization: Basic c2VjcmV0",
            "TE: trailers",
            "Upgrade: websocket",
            "X-End-To-End: kept");
        Assert.Equal(200, status);
        var seen = LastRequestTo($"/hop/{id}");
        foreach (var name in new[] { "X-Hop", "Keep-Alive", "Proxy-Authorization", "TE", "Upgrade" })
        {
            Assert.True(seen.Header(name).Length == 0, $"{name} reached the app");
        }

        Assert.Equal("kept", seen.Header("X-End-To-End").Single());
    }

    [Fact]
    public async Task Identity_headers_a_client_sends_are_overwritten()
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1.0/invoke/orders/method/who/{id}");
        request.Headers.Add("dapr-caller-app-id", "evil");
        request.Headers.Add("dapr-callee-app-id", "evil");
        request.Headers.Add("dapr-caller-namespace", "evil");
        (await _client.SendAsync(request)).Dispose();
        var seen = LastRequestTo($"/who/{id}");
        Assert.Equal(SatcarFixture.AppId, seen.Header("dapr-caller-app-id").Single());
        Assert.Equal(SatcarFixture.AppId, seen.Header("dapr-callee-app-id").Single());
        Assert.Empty(seen.Header("dapr-caller-namespace"));
    }

    [Fact]
    public async Task Without_a_token_configured_the_callers_token_still_never_reaches_the_app()
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1.0/invoke/orders/method/token/{id}");
        request.Headers.Add("dapr-api-token", "callers-secret");
        (await _client.SendAsync(request)).Dispose();
        Assert.Empty(LastRequestTo($"/token/{id}").Header("dapr-api-token"));
    }

    [Fact]
    public async Task Another_app_id_fails_with_err_direct_invoke()
    {
        using var response = await _client.GetAsync("/v1.0/invoke/billing/method/ping");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("ERR_DIRECT_INVOKE", await ErrorCode(response));
        Assert.Contains("billing", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1.0/invoke/a.b.c/method/ping")]
    [InlineData("/v1.0/invoke/or%20ders/method/ping")]
    public async Task An_invalid_app_id_is_refused(string path)
    {
        using var response = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ERR_DIRECT_INVOKE", await ErrorCode(response));
    }

    [Theory]
    [InlineData("/v1.0/invoke/orders/method/public/..%2Fadmin")]
    [InlineData("/v1.0/invoke/orders/method/public%2F..%2Fadmin")]
    [InlineData("/v1.0/invoke/orders/method/public/%2e%2e/admin")]
    [InlineData("/v1.0/invoke/orders/method/public/../admin")]
    [InlineData("/v1.0/invoke/orders/method/%2E%2E/admin")]
    [InlineData("/v1.0/invoke/orders/method/public%23/../admin")]
    [InlineData("/v1.0/invoke/orders/method/public%3F/../admin")]
    [InlineData("/v1.0/invoke/orders/method/admin%00")]
    [InlineData("/v1.0/invoke/orders/method/admin%0D%0AX-Injected:%201")]
    public async Task Traversal_and_reserved_characters_in_the_method_never_reach_the_app(string target)
    {
        var before = _app.CountFor("/admin");
        var (status, response) = await RawHttp.SendAsync(fixture.Satcar.BaseUri, "GET", target);
        Assert.True(status == 400, response);
        Assert.Equal(before, _app.CountFor("/admin"));
        Assert.DoesNotContain(_app.Requests, r => r.Header("X-Injected").Length > 0);
    }

    [Fact]
    public async Task The_method_is_forwarded_in_one_canonical_encoding()
    {
        var id = Guid.NewGuid().ToString("N");
        var (status, _) = await RawHttp.SendAsync(fixture.Satcar.BaseUri, "GET", $"/v1.0/invoke/orders/method/canon/{id}/a%2Fb/c%20d/%7e");
        Assert.Equal(200, status);
        Assert.Contains(_app.Requests, r => r.RawTarget == $"/canon/{id}/a/b/c%20d/~");
    }
}
