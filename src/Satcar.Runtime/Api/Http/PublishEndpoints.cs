using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Errors;
using Satcar.Runtime.PubSub;

namespace Satcar.Runtime.Api.Http;

/// <summary>The HTTP head of publishing: placeholder until it lands.</summary>
internal sealed class PublishEndpoints(PubSubService pubsub)
{
    /// <summary>POST|PUT /v1.0/publish/{pubsub}/{topic…}</summary>
    public Task PublishEventAsync(HttpContext context, string pubsubName, string topic) =>
        pubsub is null ? Task.CompletedTask : throw new ApiException(new ApiError(ApiErrors.NotImplemented, "the pub/sub API is not built yet"));

    /// <summary>POST|PUT /v1.0[-alpha1]/publish/bulk/{pubsub}/{topic…}</summary>
    public Task BulkPublishEventAsync(HttpContext context, string pubsubName, string topic) =>
        pubsub is null ? Task.CompletedTask : throw new ApiException(new ApiError(ApiErrors.NotImplemented, "the pub/sub API is not built yet"));
}
