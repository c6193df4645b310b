using System.Net;
using System.Text;

namespace Satcar.IntegrationTests;

/// <summary><c>--max-body-size</c>: a larger body is refused with <c>ERR_BODY_READ</c> and never reaches a store or the app.</summary>
public sealed class BodySizeTests(SmallBodySatcarFixture fixture) : IClassFixture<SmallBodySatcarFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private static string Padding(int length) => new('x', length);

    /// <summary>A body sent without Content-Length (chunked), so the size is only known while reading.</summary>
    private static HttpContent Chunked(string text)
    {
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        content.Headers.ContentLength = null;
        return content;
    }

    [Fact]
    public async Task An_oversized_state_save_is_refused_and_nothing_is_written()
    {
        var key = Guid.NewGuid().ToString("N");
        using var response = await _client.PostAsync("/v1.0/state/memstore", new StringContent($$"""[{"key":"{{key}}","value":"{{Padding(2000)}}"}]"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("ERR_BODY_READ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.GetAsync($"/v1.0/state/memstore/{key}")).StatusCode);
    }

    [Fact]
    public async Task An_oversized_chunked_state_save_is_refused_too()
    {
        var key = Guid.NewGuid().ToString("N");
        using var response = await _client.PostAsync("/v1.0/state/memstore", Chunked($$"""[{"key":"{{key}}","value":"{{Padding(2000)}}"}]"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("ERR_BODY_READ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_oversized_invocation_never_reaches_the_app(bool chunked)
    {
        var id = Guid.NewGuid().ToString("N");
        var body = Padding(SmallBodySatcarFixture.MaxBodySize + 1);
        using var response = await _client.PostAsync($"/v1.0/invoke/orders/method/big/{id}", chunked ? Chunked(body) : new StringContent(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("ERR_BODY_READ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, fixture.App.CountFor($"/big/{id}"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_within_the_limit_reaches_the_app_intact(bool chunked)
    {
        var body = Padding(SmallBodySatcarFixture.MaxBodySize);
        using var response = await _client.PostAsync("/v1.0/invoke/orders/method/echo/fits", chunked ? Chunked(body) : new StringContent(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
    }
}
