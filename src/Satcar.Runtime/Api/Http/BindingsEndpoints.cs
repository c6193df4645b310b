using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Errors;

namespace Satcar.Runtime.Api.Http;

/// <summary>The HTTP head of output bindings: placeholder until it lands.</summary>
internal sealed class BindingsEndpoints(BindingsService bindings)
{
    /// <summary>POST|PUT /v1.0/bindings/{name}</summary>
    public Task InvokeBindingAsync(HttpContext context, string name) =>
        bindings is null ? Task.CompletedTask : throw new ApiException(new ApiError(ApiErrors.NotImplemented, "the bindings API is not built yet"));
}
