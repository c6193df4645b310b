using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Satcar.Components;
using Satcar.Components.Bindings.Http;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;
using Satcar.Testing;

namespace Satcar.Tests.Bindings;

/// <summary><c>bindings.http</c> against a fake HTTP server on loopback.</summary>
public sealed class HttpBindingTests : IAsyncLifetime
{
    private readonly List<IOutputBinding> _bindings = [];
    private FakeApp _server = null!;

    public async Task InitializeAsync() => _server = await FakeApp.StartAsync(handler: async (context, _) =>
    {
        if (context.Request.Path == "/slow")
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return true;
        }

        if (context.Request.Path == "/multi")
        {
            context.Response.Headers.Append("x-many", "one");
            context.Response.Headers.Append("x-many", "two");
            return false;
        }

        return false;
    });

    public async Task DisposeAsync()
    {
        foreach (var binding in _bindings)
        {
            await binding.DisposeAsync();
        }

        await _server.DisposeAsync();
    }

    private async Task<IOutputBinding> CreateAsync(params (string Key, string Value)[] metadata)
    {
        Assert.True(BuiltInComponents.CreateRegistry().TryGet("bindings.http", "v1", out var registration));
        var binding = (IOutputBinding)registration.Create(new ComponentContext { Name = "web", Type = "bindings.http", AppId = "app", Logger = NullLogger.Instance });
        await binding.InitAsync(TestComponents.Metadata("web", "bindings.http", metadata), CancellationToken.None);
        _bindings.Add(binding);
        return binding;
    }

    private Task<IOutputBinding> CreateForServerAsync(params (string Key, string Value)[] metadata) =>
        CreateAsync([("url", _server.BaseUri.ToString()), .. metadata]);

    private static Task<BindingResponse?> Invoke(IOutputBinding binding, string operation, string data = "null", params (string Key, string Value)[] metadata) =>
        binding.InvokeAsync(TestComponents.Request(operation, data, metadata), CancellationToken.None);

    private RecordedRequest LastRequest(string path) => _server.Requests.Last(r => r.Path == path);

    [Fact]
    public async Task It_lists_daprs_operations() =>
        Assert.Equal(["create", "get", "head", "post", "put", "patch", "delete", "options", "trace"], (await CreateForServerAsync()).Operations);

    [Fact]
    public async Task Get_appends_the_path_and_returns_the_body_with_status_and_headers_as_metadata()
    {
        var binding = await CreateAsync(("url", new Uri(_server.BaseUri, "/base").ToString()));
        var response = await Invoke(binding, "get", metadata: ("path", "/orders/7"));
        using var body = JsonDocument.Parse(response!.Data);
        Assert.Equal("GET", body.RootElement.GetProperty("method").GetString());
        Assert.Equal("/base/orders/7", body.RootElement.GetProperty("path").GetString());
        Assert.Equal("200", response.Metadata["statusCode"]);
        Assert.Equal("200 OK", response.Metadata["status"]);
        Assert.Equal("application/json", response.Metadata["Content-Type"]);
        Assert.True(response.Metadata.ContainsKey("Date"));

        var request = LastRequest("/base/orders/7");
        Assert.Equal("application/json; charset=utf-8", Assert.Single(request.Header("Accept")));
        Assert.Empty(request.Header("Content-Type"));
    }

    [Theory]
    [InlineData("create", "POST")]
    [InlineData("post", "POST")]
    [InlineData("put", "PUT")]
    [InlineData("patch", "PATCH")]
    public async Task Writes_send_the_data_as_a_json_body(string operation, string method)
    {
        var binding = await CreateForServerAsync();
        var response = await Invoke(binding, operation, """{"orderId":7}""", ("path", "echo/orders"));
        Assert.Equal("""{"orderId":7}""", Encoding.UTF8.GetString(response!.Data.Span));
        Assert.Equal(method, response.Metadata["X-Echo-Method"]);
        var request = LastRequest("/echo/orders");
        Assert.Equal(method, request.Method);
        Assert.Equal("application/json; charset=utf-8", Assert.Single(request.Header("Content-Type")));
        Assert.Equal("""{"orderId":7}""", Encoding.UTF8.GetString(request.Body));
    }

    [Theory]
    [InlineData("head", "HEAD")]
    [InlineData("delete", "DELETE")]
    [InlineData("options", "OPTIONS")]
    [InlineData("trace", "TRACE")]
    public async Task Other_operations_are_their_methods_without_a_body(string operation, string method)
    {
        var binding = await CreateForServerAsync();
        var response = await Invoke(binding, operation, "\"ignored\"", ("path", "describe"));
        Assert.Equal("200", response!.Metadata["statusCode"]);
        var request = LastRequest("/describe");
        Assert.Equal(method, request.Method);
        Assert.Empty(request.Body);
    }

    [Fact]
    public async Task Uppercase_metadata_become_headers_and_the_security_token_is_sent()
    {
        var binding = await CreateForServerAsync(("securityToken", "s3cret"), ("securityTokenHeader", "X-Token"));
        await Invoke(binding, "post", "\"text\"",
            ("path", "echo"), ("X-Custom", "custom value"), ("lowercase", "not a header"), ("Content-Type", "text/plain"), ("Not A Token", "skipped"),
            ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), ("tracestate", "a=b"));
        var request = LastRequest("/echo");
        Assert.Equal("custom value", Assert.Single(request.Header("X-Custom")));
        Assert.Empty(request.Header("lowercase"));
        Assert.Equal("text/plain", Assert.Single(request.Header("Content-Type")));
        Assert.Equal("s3cret", Assert.Single(request.Header("X-Token")));
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", Assert.Single(request.Header("traceparent")));
        Assert.Equal("a=b", Assert.Single(request.Header("tracestate")));
    }

    [Fact]
    public async Task A_non_2xx_answer_is_an_error_that_keeps_the_metadata()
    {
        var binding = await CreateForServerAsync();
        var e = await Assert.ThrowsAsync<BindingException>(() => Invoke(binding, "get", metadata: ("path", "status/404")));
        Assert.Equal("received status code 404", e.Message);
        Assert.Equal("404", e.ResponseMetadata["statusCode"]);
        Assert.Equal("404 Not Found", e.ResponseMetadata["status"]);
        Assert.Equal("fake", e.ResponseMetadata["X-App"]);
    }

    [Fact]
    public async Task ErrorIfNot2XX_false_returns_the_answer_from_metadata_or_per_request()
    {
        var lenient = await CreateForServerAsync(("errorIfNot2XX", "false"));
        var response = await Invoke(lenient, "get", metadata: ("path", "status/503"));
        Assert.Equal("503", response!.Metadata["statusCode"]);
        Assert.Equal("status 503", Encoding.UTF8.GetString(response.Data.Span));

        var strict = await CreateForServerAsync();
        Assert.Equal("500", (await Invoke(strict, "get", metadata: [("path", "status/500"), ("errorIfNot2XX", "no")]))!.Metadata["statusCode"]);
        await Assert.ThrowsAsync<BindingException>(() => Invoke(lenient, "get", metadata: [("path", "status/500"), ("errorIfNot2XX", "true")]));
    }

    [Fact]
    public async Task Headers_with_several_values_are_joined_and_names_are_canonical()
    {
        var binding = await CreateForServerAsync();
        var response = await Invoke(binding, "get", metadata: ("path", "multi"));
        Assert.Equal("one, two", response!.Metadata["X-Many"]);
        Assert.Equal("Content-Type", HttpBinding.CanonicalHeaderName("content-type"));
        Assert.Equal("X-Request-Id", HttpBinding.CanonicalHeaderName("x-REQUEST-id"));
    }

    [Fact]
    public async Task The_response_body_is_cut_at_maxResponseBodySize()
    {
        var binding = await CreateForServerAsync(("maxResponseBodySize", "4"));
        var response = await Invoke(binding, "post", "\"0123456789\"", ("path", "echo"));
        Assert.Equal("\"012", Encoding.UTF8.GetString(response!.Data.Span));

        var sized = await CreateForServerAsync(("maxResponseBodySize", "1Ki"));
        Assert.Equal("\"0123456789\"", Encoding.UTF8.GetString((await Invoke(sized, "post", "\"0123456789\"", ("path", "echo")))!.Data.Span));
    }

    [Fact]
    public async Task ResponseTimeout_cancels_a_request_the_server_does_not_answer()
    {
        var binding = await CreateForServerAsync(("responseTimeout", "200ms"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Invoke(binding, "get", metadata: ("path", "slow")));
    }

    [Theory]
    [InlineData(new string[0], "metadata 'url' is required")]
    [InlineData(new[] { "url", "not a url" }, "metadata 'url' must be an absolute http:// or https:// URL")]
    [InlineData(new[] { "url", "ftp://example.com" }, "metadata 'url' must be an absolute http:// or https:// URL")]
    [InlineData(new[] { "url", "http://example.com", "responseTimeout", "soon" }, "metadata 'responseTimeout'")]
    [InlineData(new[] { "url", "http://example.com", "maxResponseBodySize", "big" }, "metadata 'maxResponseBodySize'")]
    [InlineData(new[] { "url", "http://example.com", "errorIfNot2XX", "maybe" }, "metadata 'errorIfNot2XX'")]
    [InlineData(new[] { "url", "http://example.com", "MTLSClientCert", "-----BEGIN CERTIFICATE-----" }, "metadata 'MTLSClientKey' is required")]
    [InlineData(new[] { "url", "http://example.com", "MTLSRootCA", "/no/such/ca.pem" }, "metadata 'MTLSRootCA' is neither PEM text nor a readable file")]
    public async Task Bad_metadata_fails_init_and_names_the_key(string[] pairs, string message)
    {
        var metadata = pairs.Chunk(2).Select(p => (p[0], p[1])).ToArray();
        var e = await Assert.ThrowsAsync<ComponentConfigurationException>(() => CreateAsync(metadata));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_operation_is_refused()
    {
        var binding = await CreateForServerAsync();
        await Assert.ThrowsAsync<BindingOperationNotSupportedException>(() => Invoke(binding, "connect"));
    }
}
