using Satcar.Runtime.Errors;
using Satcar.Runtime.Resources;

namespace Satcar.Runtime.Secrets;

// A placeholder with no state yet; the building block replaces it.
#pragma warning disable CA1822

/// <summary>The secrets building block: placeholder until it lands.</summary>
public sealed class SecretsService
{
    public Task<IReadOnlyDictionary<string, string>> GetSecretAsync(
        string storeName, string key, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        throw new ApiException(new ApiError(ApiErrors.NotImplemented, "the secrets API is not built yet"));

    public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretAsync(
        string storeName, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        throw new ApiException(new ApiError(ApiErrors.NotImplemented, "the secrets API is not built yet"));

    /// <summary>Resolves a <c>secretKeyRef</c> of a component's metadata; null when it cannot be resolved (the caller warns).</summary>
    public Task<string?> ResolveSecretKeyRefAsync(ComponentResource resource, SecretKeyRef reference, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(null);
}
