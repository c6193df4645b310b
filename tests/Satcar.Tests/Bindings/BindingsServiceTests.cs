using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Satcar.Runtime.Api.Http;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;
using Satcar.Runtime.Errors;

namespace Satcar.Tests.Bindings;

/// <summary>The output-binding service and the HTTP request reading, with hand-written bindings and no sockets.</summary>
public sealed class BindingsServiceTests
{
    private readonly ComponentStore _store = new();
    private readonly BindingsService _service;

    public BindingsServiceTests() => _service = new BindingsService(_store, NullLogger<BindingsService>.Instance);

    private Task<BindingResponse?> Invoke(string name, string operation, string data = "null") =>
        _service.InvokeOutputBindingAsync(name, TestComponents.Request(operation, data), CancellationToken.None);

    private async Task<OutputBindingException> Fails(string name, string operation)
    {
        var e = await Assert.ThrowsAsync<OutputBindingException>(() => Invoke(name, operation));
        Assert.Equal("ERR_INVOKE_OUTPUT_BINDING", e.Error.Code);
        Assert.Equal(500, e.Error.HttpStatus);
        return e;
    }

    [Fact]
    public async Task A_supported_operation_reaches_the_binding_with_its_data_and_metadata()
    {
        var binding = new RecordingOutputBinding(_ => new BindingResponse("ok"u8.ToArray(), new Dictionary<string, string> { ["k"] = "v" }));
        _store.Set(TestComponents.Loaded("out", "bindings.test", binding));
        var response = await _service.InvokeOutputBindingAsync("out", TestComponents.Request("create", "\"text\"", ("m", "1")), CancellationToken.None);
        Assert.Equal("ok", Encoding.UTF8.GetString(response!.Data.Span));
        var request = Assert.Single(binding.Requests);
        Assert.Equal("create", request.Operation);
        Assert.Equal("\"text\"", Encoding.UTF8.GetString(request.Data.Span));
        Assert.Equal("1", request.Metadata["m"]);
    }

    [Fact]
    public async Task An_unknown_binding_a_missing_operation_and_an_unsupported_one_are_refused_with_daprs_messages()
    {
        _store.Set(TestComponents.Loaded("out", "bindings.test", new RecordingOutputBinding(_ => null)));
        Assert.Equal("error invoking output binding nope: couldn't find output binding nope", (await Fails("nope", "create")).Message);
        Assert.Equal("error invoking output binding out: operation field is missing from request", (await Fails("out", "")).Message);
        Assert.Equal(
            "error invoking output binding out: binding out does not support operation Create. supported operations: create get",
            (await Fails("out", "Create")).Message);
    }

    [Fact]
    public async Task A_binding_whose_direction_is_input_only_or_a_pure_input_binding_is_not_an_output_binding()
    {
        _store.Set(TestComponents.Loaded("inonly", "bindings.test", new RecordingOutputBinding(_ => null), ("direction", "input")));
        _store.Set(TestComponents.Loaded("both", "bindings.test", new RecordingOutputBinding(_ => null), ("direction", " Input , OUTPUT ")));
        _store.Set(TestComponents.Loaded("ticks", "bindings.cron", new ManualInputBinding()));
        Assert.Contains("couldn't find output binding inonly", (await Fails("inonly", "create")).Message, StringComparison.Ordinal);
        Assert.Contains("couldn't find output binding ticks", (await Fails("ticks", "create")).Message, StringComparison.Ordinal);
        Assert.Null(await Invoke("both", "create"));
    }

    [Fact]
    public async Task Component_failures_keep_their_message_and_response_metadata()
    {
        _store.Set(TestComponents.Loaded("http", "bindings.test", new RecordingOutputBinding(_ =>
            throw new BindingException("received status code 404", new Dictionary<string, string> { ["statusCode"] = "404" }))));
        _store.Set(TestComponents.Loaded("broken", "bindings.test", new RecordingOutputBinding(_ => throw new InvalidOperationException("disk full"))));
        _store.Set(TestComponents.Loaded("slow", "bindings.test", new RecordingOutputBinding(_ => throw new TaskCanceledException())));

        var http = await Fails("http", "create");
        Assert.Equal("error invoking output binding http: received status code 404", http.Message);
        Assert.Equal("404", http.ResponseMetadata["statusCode"]);

        var broken = await Fails("broken", "get");
        Assert.Equal("error invoking output binding broken: disk full", broken.Message);
        Assert.Empty(broken.ResponseMetadata);

        Assert.Equal("error invoking output binding slow: the operation timed out", (await Fails("slow", "create")).Message);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_reported_as_a_binding_failure()
    {
        _store.Set(TestComponents.Loaded("slow", "bindings.test", new RecordingOutputBinding(_ => throw new OperationCanceledException())));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() =>
            _service.InvokeOutputBindingAsync("slow", TestComponents.Request("create"), cancelled.Token));
    }

    [Fact]
    public async Task A_replaced_binding_is_used_at_once_and_a_removed_one_is_gone()
    {
        _store.Set(TestComponents.Loaded("out", "bindings.test", new RecordingOutputBinding(_ => new BindingResponse("one"u8.ToArray(), new Dictionary<string, string>()))));
        _store.Set(TestComponents.Loaded("out", "bindings.test", new RecordingOutputBinding(_ => new BindingResponse("two"u8.ToArray(), new Dictionary<string, string>()))));
        Assert.Equal("two", Encoding.UTF8.GetString((await Invoke("out", "create"))!.Data.Span));
        _store.Remove("out");
        await Fails("out", "create");
    }

    [Theory]
    [InlineData(null, true, true, false)]
    [InlineData("input", true, false, true)]
    [InlineData("output", false, true, false)]
    [InlineData("input, output", true, true, true)]
    [InlineData("OUTPUT,Input", true, true, true)]
    [InlineData("", false, false, false)]
    public void Direction_is_read_as_daprd_reads_it(string? direction, bool input, bool output, bool listsInput)
    {
        var metadata = direction is null
            ? TestComponents.Metadata("b", "bindings.test")
            : TestComponents.Metadata("b", "bindings.test", ("Direction", direction));
        Assert.Equal(input, BindingDirection.AllowsInput(metadata));
        Assert.Equal(output, BindingDirection.AllowsOutput(metadata));
        Assert.Equal(listsInput, BindingDirection.ListsInput(metadata));
    }

    [Fact]
    public void The_request_body_is_read_as_go_reads_daprs_struct()
    {
        var request = BindingsEndpoints.ReadRequest("""{"Operation":"create","data":{"b":1, "a": [true, null]},"METADATA":{"fileName":"x"}}"""u8.ToArray());
        Assert.Equal("create", request.Operation);
        Assert.Equal("""{"b":1,"a":[true,null]}""", Encoding.UTF8.GetString(request.Data));
        Assert.Equal("x", request.Metadata["fileName"]);

        Assert.Equal("\"héllo <b>\"", Encoding.UTF8.GetString(BindingsEndpoints.ReadRequest("""{"data":"héllo <b>"}"""u8.ToArray()).Data));
        Assert.Equal("null", Encoding.UTF8.GetString(BindingsEndpoints.ReadRequest("""{"operation":"get"}"""u8.ToArray()).Data));
        Assert.Equal("12.50", Encoding.UTF8.GetString(BindingsEndpoints.ReadRequest("""{"data":12.50}"""u8.ToArray()).Data));
        Assert.Equal("", BindingsEndpoints.ReadRequest("null"u8.ToArray()).Operation);
        Assert.Empty(BindingsEndpoints.ReadRequest("""{"operation":null,"metadata":null}"""u8.ToArray()).Metadata);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[1]")]
    [InlineData("\"create\"")]
    [InlineData("""{"operation":5}""")]
    [InlineData("""{"metadata":[]}""")]
    [InlineData("""{"metadata":{"ttlInSeconds":5}}""")]
    public void Bodies_that_do_not_fit_are_malformed_requests(string body)
    {
        var e = Assert.Throws<ApiException>(() => BindingsEndpoints.ReadRequest(Encoding.UTF8.GetBytes(body)));
        Assert.Equal("ERR_MALFORMED_REQUEST", e.Error.Code);
        Assert.Equal(400, e.Error.HttpStatus);
    }

    private sealed class RecordingOutputBinding(Func<BindingRequest, BindingResponse?> answer) : IOutputBinding
    {
        public List<BindingRequest> Requests { get; } = [];

        public IReadOnlyList<string> Operations => ["create", "get"];

        public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<BindingResponse?> InvokeAsync(BindingRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(answer(request));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
