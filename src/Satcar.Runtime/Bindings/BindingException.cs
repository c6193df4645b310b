namespace Satcar.Runtime.Bindings;

/// <summary>
/// An output binding operation failed but still has response metadata to return, as components-contrib
/// bindings return a response together with an error (the http binding's <c>statusCode</c> and
/// <c>status</c> for a non-2xx answer). The HTTP API sends the metadata as <c>metadata.*</c> headers
/// beside the error. Any other exception from a binding is a failure without metadata.
/// </summary>
public sealed class BindingException : Exception
{
    private static readonly IReadOnlyDictionary<string, string> s_none = new Dictionary<string, string>();

    public BindingException(string message, IReadOnlyDictionary<string, string>? responseMetadata = null, Exception? innerException = null)
        : base(message, innerException) =>
        ResponseMetadata = responseMetadata ?? s_none;

    /// <summary>The metadata the component returned with the failure; empty when it had none.</summary>
    public IReadOnlyDictionary<string, string> ResponseMetadata { get; }
}
