using Satcar.Runtime.Components;

namespace Satcar.Runtime.Bindings;

/// <summary>A binding component: an input binding, an output binding, or both (its <c>direction</c> metadata picks).</summary>
public interface IBinding : IComponent;

/// <summary>An output binding (components-contrib's <c>bindings.OutputBinding</c>), invoked through <c>POST /v1.0/bindings/{name}</c>.</summary>
public interface IOutputBinding : IBinding
{
    /// <summary>The operations it supports, such as <c>create</c>, <c>get</c>, <c>delete</c>.</summary>
    IReadOnlyList<string> Operations { get; }

    /// <summary>Runs one operation; null when the operation has no response.</summary>
    Task<BindingResponse?> InvokeAsync(BindingRequest request, CancellationToken cancellationToken);
}

/// <summary>An input binding (components-contrib's <c>bindings.InputBinding</c>): it produces events that the runtime delivers to the app.</summary>
public interface IInputBinding : IBinding
{
    /// <summary>Calls <paramref name="handler"/> for every event until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task ReadAsync(InputBindingHandler handler, CancellationToken cancellationToken);
}

/// <summary>Delivers one event to the app; true when the app accepted it (a 2xx answer).</summary>
public delegate Task<bool> InputBindingHandler(BindingEvent bindingEvent, CancellationToken cancellationToken);

/// <summary>One output binding operation: the operation, the data (JSON-encoded on HTTP, as given on gRPC) and metadata.</summary>
public sealed record BindingRequest(string Operation, ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string> Metadata);

/// <summary>What an output binding answers: data and metadata (returned as <c>metadata.*</c> headers).</summary>
public sealed record BindingResponse(ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string> Metadata, string? ContentType = null);

/// <summary>One event of an input binding: its data and metadata (sent to the app as the body and as headers).</summary>
public sealed record BindingEvent(ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string> Metadata);

/// <summary>The request names an operation the binding does not support.</summary>
public sealed class BindingOperationNotSupportedException(string message) : Exception(message);
