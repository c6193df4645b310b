using System.Net;
using System.Text;
using System.Text.Json;

namespace Satcar.IntegrationTests;

public sealed class HealthAndMetadataTests(SatcarFixture fixture) : IClassFixture<SatcarFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Healthz_is_204_and_checks_the_app_id_when_asked()
    {
        Assert.Equal(HttpStatusCode.NoContent, (await _client.GetAsync("/v1.0/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.GetAsync("/v1.0/healthz?appid=orders")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.GetAsync("/v1.0/healthz/outbound")).StatusCode);

        using var mismatch = await _client.GetAsync("/v1.0/healthz?appid=billing");
        Assert.Equal(HttpStatusCode.InternalServerError, mismatch.StatusCode);
        Assert.Contains("ERR_HEALTH_APPID_NOT_MATCH", await mismatch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metadata_describes_the_app_components_and_app_channel()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync("/v1.0/metadata"));
        var root = document.RootElement;
        Assert.Equal("orders", root.GetProperty("id").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("runtimeVersion").GetString()));
        var components = root.GetProperty("components").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal("state.redis", components["redisstore"].GetProperty("type").GetString());
        Assert.Equal("v1", components["redisstore"].GetProperty("version").GetString());
        Assert.Contains("ETAG", components["redisstore"].GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("state.sqlite", components["sqlitestore"].GetProperty("type").GetString());
        Assert.Equal("state.in-memory", components["memstore"].GetProperty("type").GetString());
        var app = root.GetProperty("appConnectionProperties");
        Assert.Equal(fixture.App.Port, app.GetProperty("port").GetInt32());
        Assert.Equal("http", app.GetProperty("protocol").GetString());
        Assert.Equal("127.0.0.1", app.GetProperty("channelAddress").GetString());
    }

    [Fact]
    public async Task Put_metadata_sets_an_extended_attribute()
    {
        using var put = await _client.PutAsync("/v1.0/metadata/cliPID", new StringContent("4242", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        using var document = JsonDocument.Parse(await _client.GetStringAsync("/v1.0/metadata"));
        Assert.Equal("4242", document.RootElement.GetProperty("extended").GetProperty("cliPID").GetString());
    }
}
