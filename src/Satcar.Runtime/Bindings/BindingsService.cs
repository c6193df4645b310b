using Microsoft.Extensions.Logging;
using Satcar.Runtime.Components;
using Satcar.Runtime.Errors;

namespace Satcar.Runtime.Bindings;

/// <summary>
/// The output side of the bindings building block (https://docs.dapr.io/reference/api/bindings_api/):
/// finds the binding, checks the operation against the ones it lists and invokes it, with daprd's
/// messages (<c>pkg/runtime/processor/binding/send.go</c>). Transport-agnostic: the HTTP head encodes
/// <c>data</c> as JSON before it calls this; a gRPC head passes the bytes as given.
/// </summary>
public sealed partial class BindingsService(ComponentStore components, ILogger<BindingsService> logger)
{
    /// <summary>
    /// Invokes output binding <paramref name="name"/>; null when the operation has no response.
    /// Every failure is an <see cref="OutputBindingException"/> with <c>ERR_INVOKE_OUTPUT_BINDING</c>.
    /// </summary>
    public async Task<BindingResponse?> InvokeOutputBindingAsync(string name, BindingRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Operation))
        {
            throw Failure(name, request, "operation field is missing from request");
        }

        // A binding whose direction leaves out output is not an output binding, as daprd does not create one.
        if (!components.TryGet(name, out LoadedComponent loaded)
            || loaded.Instance is not IOutputBinding binding
            || !BindingDirection.AllowsOutput(loaded.Metadata))
        {
            throw Failure(name, request, $"couldn't find output binding {name}");
        }

        // Operations are compared exactly, as daprd compares its OperationKind strings.
        if (!binding.Operations.Contains(request.Operation, StringComparer.Ordinal))
        {
            throw Failure(name, request,
                $"binding {name} does not support operation {request.Operation}. supported operations: {string.Join(' ', binding.Operations)}");
        }

        try
        {
            return await binding.InvokeAsync(request, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (BindingException e)
        {
            throw Failure(name, request, e.Message, e.ResponseMetadata, e);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A component's own timeout surfaces as a cancellation the caller did not ask for.
            var detail = e is OperationCanceledException ? "the operation timed out" : e.Message;
            throw Failure(name, request, detail, null, e);
        }
    }

    private OutputBindingException Failure(
        string name, BindingRequest request, string detail, IReadOnlyDictionary<string, string>? metadata = null, Exception? inner = null)
    {
        var error = ApiErrors.OutputBinding(name, detail).Error;
        Log.InvokeFailed(logger, name, request.Operation, error.Message);
        return new OutputBindingException(error, metadata, inner);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1857, Level = LogLevel.Debug, Message = "Output binding {BindingName} operation '{Operation}' failed: {Detail}")]
        public static partial void InvokeFailed(ILogger logger, string bindingName, string operation, string detail);
    }
}

/// <summary>
/// An output binding could not be invoked: the API error to report and the response metadata the
/// binding returned with its failure (sent as <c>metadata.*</c> headers, as daprd does).
/// </summary>
public sealed class OutputBindingException : Exception
{
    private static readonly IReadOnlyDictionary<string, string> s_none = new Dictionary<string, string>();

    public OutputBindingException(ApiError error, IReadOnlyDictionary<string, string>? responseMetadata = null, Exception? innerException = null)
        : base(error.Message, innerException)
    {
        Error = error;
        ResponseMetadata = responseMetadata ?? s_none;
    }

    public ApiError Error { get; }

    public IReadOnlyDictionary<string, string> ResponseMetadata { get; }
}
