using System.Net;
using System.Text;
using System.Text.Json;

namespace Satcar.IntegrationTests.Bindings;

/// <summary><c>POST|PUT /v1.0/bindings/{name}</c> of a running satcar: statuses, <c>metadata.*</c> headers and error codes.</summary>
public sealed class OutputBindingsApiTests(BindingsFixture fixture) : IClassFixture<BindingsFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private Task<HttpResponseMessage> Send(string binding, string body, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Post, $"/v1.0/bindings/{binding}") { Content = Json(body) };
        return _client.SendAsync(request);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    private static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string code, string messagePart)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        Assert.Equal(code, document.RootElement.GetProperty("errorCode").GetString());
        Assert.Contains(messagePart, document.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Fact]
    public async Task Localstorage_create_get_list_and_delete_with_exact_statuses()
    {
        var name = NewName("orders") + "/order.json";
        using var created = await Send("files", $$$"""{"operation":"create","data":{"orderId":7},"metadata":{"fileName":"{{{name}}}"}}""");
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("application/json", created.Content.Headers.ContentType?.MediaType);
        Assert.Equal($$$"""{"fileName":"{{{name}}}"}""", await created.Content.ReadAsStringAsync());
        Assert.Equal("""{"orderId":7}""", await File.ReadAllTextAsync(Path.Combine(fixture.FilesRoot, name)));

        using var got = await Send("files", $$$"""{"operation":"get","metadata":{"fileName":"{{{name}}}"}}""", HttpMethod.Put);
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal("""{"orderId":7}""", await got.Content.ReadAsStringAsync());

        using var listed = await Send("files", """{"operation":"list"}""");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        using (var files = JsonDocument.Parse(await listed.Content.ReadAsStringAsync()))
        {
            Assert.Contains(files.RootElement.EnumerateArray(), f => f.GetString()!.EndsWith(name, StringComparison.Ordinal));
        }

        using var deleted = await Send("files", $$$"""{"operation":"delete","metadata":{"fileName":"{{{name}}}"}}""");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await deleted.Content.ReadAsByteArrayAsync());
        Assert.False(File.Exists(Path.Combine(fixture.FilesRoot, name)));

        using var gone = await Send("files", $$$"""{"operation":"get","metadata":{"fileName":"{{{name}}}"}}""");
        await AssertError(gone, HttpStatusCode.InternalServerError, "ERR_INVOKE_OUTPUT_BINDING", $"error invoking output binding files: file not found: {name}");
    }

    [Fact]
    public async Task Localstorage_refuses_names_outside_its_root()
    {
        var escape = NewName("escape") + ".txt";
        using var response = await Send("files", $$$"""{"operation":"create","data":"x","metadata":{"fileName":"../{{{escape}}}"}}""");
        await AssertError(response, HttpStatusCode.InternalServerError, "ERR_INVOKE_OUTPUT_BINDING", "metadata 'fileName' must stay inside rootPath");
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(fixture.FilesRoot)!, escape)));

        using var absolute = await Send("files", """{"operation":"get","metadata":{"fileName":"/etc/hostname"}}""");
        await AssertError(absolute, HttpStatusCode.InternalServerError, "ERR_INVOKE_OUTPUT_BINDING", "absolute path");
    }

    [Fact]
    public async Task Redis_keeps_the_quotes_of_a_json_string_and_answers_204_for_writes()
    {
        var key = NewName("key");
        using var created = await Send("cache", $$$"""{"operation":"create","data":"hello","metadata":{"key":"{{{key}}}","ttlInSeconds":"60"}}""");
        Assert.Equal(HttpStatusCode.NoContent, created.StatusCode);

        using var got = await Send("cache", $$$"""{"operation":"get","metadata":{"key":"{{{key}}}"}}""");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal("\"hello\"", await got.Content.ReadAsStringAsync());

        using var obj = await Send("cache", $$$"""{"operation":"create","data":{ "a" : [1, 2] },"metadata":{"key":"{{{key}}}"}}""");
        Assert.Equal(HttpStatusCode.NoContent, obj.StatusCode);
        using var gotObject = await Send("cache", $$$"""{"operation":"get","metadata":{"key":"{{{key}}}"}}""");
        Assert.Equal("""{"a":[1,2]}""", await gotObject.Content.ReadAsStringAsync());

        using var deleted = await Send("cache", $$$"""{"operation":"delete","metadata":{"key":"{{{key}}}"}}""");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var missing = await Send("cache", $$$"""{"operation":"get","metadata":{"key":"{{{key}}}"}}""");
        Assert.Equal(HttpStatusCode.OK, missing.StatusCode);
        Assert.Empty(await missing.Content.ReadAsByteArrayAsync());

        using var noKey = await Send("cache", """{"operation":"get"}""");
        await AssertError(noKey, HttpStatusCode.InternalServerError, "ERR_INVOKE_OUTPUT_BINDING", "metadata 'key' is required");
    }

    [Fact]
    public async Task Http_binding_answers_with_the_body_and_metadata_headers_and_passes_the_trace_context()
    {
        const string Traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var path = NewName("echo");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/bindings/web")
        {
            Content = Json($$$"""{"operation":"create","data":{"orderId":42},"metadata":{"path":"{{{path}}}","X-Order":"42"}}"""),
        };
        request.Headers.Add("traceparent", Traceparent);
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"orderId":42}""", await response.Content.ReadAsStringAsync());
        Assert.Equal("200", Header(response, "metadata.statusCode"));
        Assert.Equal("200 OK", Header(response, "metadata.status"));
        Assert.Equal("POST", Header(response, "metadata.X-Echo-Method"));

        var received = Assert.Single(fixture.Server.Requests, r => r.Path == "/" + path);
        Assert.Equal("POST", received.Method);
        Assert.Equal("42", Assert.Single(received.Header("X-Order")));
        Assert.Equal(Traceparent, Assert.Single(received.Header("traceparent")));
        Assert.Equal("""{"orderId":42}""", Encoding.UTF8.GetString(received.Body));
    }

    [Fact]
    public async Task Http_binding_errors_carry_the_status_as_metadata_headers()
    {
        using var response = await Send("web", """{"operation":"get","metadata":{"path":"status/404"}}""");
        await AssertError(response, HttpStatusCode.InternalServerError, "ERR_INVOKE_OUTPUT_BINDING", "error invoking output binding web: received status code 404");
        Assert.Equal("404", Header(response, "metadata.statusCode"));
        Assert.Equal("404 Not Found", Header(response, "metadata.status"));

        using var lenient = await Send("web", """{"operation":"get","metadata":{"path":"status/404","errorIfNot2XX":"false"}}""");
        Assert.Equal(HttpStatusCode.OK, lenient.StatusCode);
        Assert.Equal("404", Header(lenient, "metadata.statusCode"));
        Assert.Equal("status 404", await lenient.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("nope", """{"operation":"create"}""", "error invoking output binding nope: couldn't find output binding nope")]
    [InlineData("webin", """{"operation":"get"}""", "couldn't find output binding webin")]
    [InlineData("ticks", """{"operation":"create"}""", "couldn't find output binding ticks")]
    [InlineData("web", """{"data":1}""", "error invoking output binding web: operation field is missing from request")]
    [InlineData("web", """{"operation":"list"}""", "binding web does not support operation list. supported operations: create get head post put patch delete options trace")]
    [InlineData("files", """{"operation":"CREATE"}""", "does not support operation CREATE")]
    public async Task Unknown_bindings_and_operations_are_500_err_invoke_output_binding(string binding, string body, string message)
    {
        using var response = await Send(binding, body);
        await AssertError(response, HttpStatusCode.InternalServerError, "ERR_INVOKE_OUTPUT_BINDING", message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{not json")]
    [InlineData("""["create"]""")]
    [InlineData("""{"operation":"create","metadata":{"key":1}}""")]
    public async Task Bodies_that_are_not_the_request_shape_are_400_err_malformed_request(string body)
    {
        using var response = await Send("files", body);
        await AssertError(response, HttpStatusCode.BadRequest, "ERR_MALFORMED_REQUEST", "");
    }

    [Fact]
    public async Task The_metadata_api_reports_binding_capabilities()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync("/v1.0/metadata"));
        var components = document.RootElement.GetProperty("components").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.TryGetProperty("capabilities", out var list) ? list.EnumerateArray().Select(x => x.GetString()!).ToArray() : Array.Empty<string>());
        Assert.Equal(["OUTPUT_BINDING"], components["files"]);
        Assert.Equal(["OUTPUT_BINDING"], components["web"]);
        Assert.Equal(["OUTPUT_BINDING"], components["cache"]);
        Assert.Equal(["INPUT_BINDING"], components["ticks"]);
    }

    [Fact]
    public async Task Other_verbs_fall_through_to_service_invocation()
    {
        using var response = await _client.GetAsync("/v1.0/bindings/files");
        await AssertError(response, HttpStatusCode.NotFound, "ERR_DIRECT_INVOKE", "");
    }
}
