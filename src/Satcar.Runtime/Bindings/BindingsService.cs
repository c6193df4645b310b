using Satcar.Runtime.Errors;

namespace Satcar.Runtime.Bindings;

// A placeholder with no state yet; the building block replaces it.
#pragma warning disable CA1822

/// <summary>The bindings building block: placeholder until it lands.</summary>
public sealed class BindingsService
{
    public Task<BindingResponse?> InvokeOutputBindingAsync(string name, BindingRequest request, CancellationToken cancellationToken) =>
        throw new ApiException(new ApiError(ApiErrors.NotImplemented, "the bindings API is not built yet"));
}
