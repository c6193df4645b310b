using Satcar.Runtime.Errors;

namespace Satcar.Runtime.PubSub;

// A placeholder with no state yet; the building block replaces it.
#pragma warning disable CA1822

/// <summary>The pub/sub building block: placeholder until it lands.</summary>
public sealed class PubSubService
{
    public Task PublishAsync(string pubsubName, string topic, ReadOnlyMemory<byte> body, string? contentType, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        throw new ApiException(new ApiError(ApiErrors.NotImplemented, "the pub/sub API is not built yet"));
}
