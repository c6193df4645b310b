using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Api.Http;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;
using Satcar.Runtime.Errors;

namespace Satcar.Tests.Components;

public sealed class ComponentCapabilitiesTests
{
    [Theory]
    [InlineData(null, "INPUT_BINDING,OUTPUT_BINDING")]
    [InlineData("input", "INPUT_BINDING")]
    [InlineData("output", "OUTPUT_BINDING")]
    [InlineData(" Output , input ", "INPUT_BINDING,OUTPUT_BINDING")]
    [InlineData("", "")]
    public void A_binding_reports_the_directions_its_metadata_allows(string? direction, string expected)
    {
        var properties = direction is null ? [] : new Dictionary<string, string> { ["direction"] = direction };
        var metadata = new ComponentMetadata("b", "bindings.both", "v1", properties);

        var capabilities = ComponentCapabilities.Of(new BothWaysBinding(), metadata);

        Assert.Equal(expected, string.Join(',', capabilities));
    }

    [Fact]
    public async Task Error_bodies_keep_quotes_readable()
    {
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;

        await HttpErrors.WriteAsync(context, ApiErrors.StoreNotFound("it's <mine>", "app").Error);

        var json = Encoding.UTF8.GetString(body.ToArray());
        Assert.Contains("state store it's <mine> is not found", json, StringComparison.Ordinal);
        Assert.Equal("state store it's <mine> is not found", JsonDocument.Parse(json).RootElement.GetProperty("message").GetString());
    }

    private sealed class BothWaysBinding : IInputBinding, IOutputBinding
    {
        public IReadOnlyList<string> Operations => ["create"];

        public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<BindingResponse?> InvokeAsync(BindingRequest request, CancellationToken cancellationToken) => Task.FromResult<BindingResponse?>(null);

        public Task ReadAsync(InputBindingHandler handler, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
