using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Satcar.Runtime.Errors;
using Satcar.Runtime.PubSub;

namespace Satcar.Runtime.Api.Grpc;

/// <summary>Pub/sub: PublishEvent, BulkPublishEvent and its Alpha1 name.</summary>
internal sealed partial class DaprGrpcApi
{
    /// <summary>The same wrapping, <c>rawPayload</c> and TTL rules as the HTTP head; the data arrives as bytes.</summary>
    public async Task<Empty> PublishEventAsync(PublishEventRequest request, ServerCallContext call)
    {
        await pubsub.PublishAsync(new PublishRequest
        {
            PubSubName = request.PubsubName,
            Topic = request.Topic,
            Data = request.Data.Memory,
            ContentType = NullIfEmpty(request.DataContentType),
            Metadata = Copy(request.Metadata),
            TraceParent = Header(call, "traceparent"),
            TraceState = Header(call, "tracestate"),
        }, call.CancellationToken);
        return s_empty;
    }

    /// <summary>
    /// Every entry is published or listed as failed; like daprd, partial failure is still an OK call
    /// whose response names the failed entries.
    /// </summary>
    public async Task<BulkPublishResponse> BulkPublishEventAsync(BulkPublishRequest request, ServerCallContext call)
    {
        pubsub.Find(request.PubsubName, request.Topic);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<BulkPublishEntry>(request.Entries.Count);
        foreach (var entry in request.Entries)
        {
            if (entry.EntryId.Length == 0 || !ids.Add(entry.EntryId))
            {
                throw ApiErrors.BulkEvents($"entryId '{entry.EntryId}' is empty or used more than once");
            }

            entries.Add(new BulkPublishEntry(entry.EntryId, entry.Event.Memory, entry.ContentType, Copy(entry.Metadata)));
        }

        var failures = await pubsub.BulkPublishAsync(
            request.PubsubName, request.Topic, entries, Copy(request.Metadata), Header(call, "traceparent"), call.CancellationToken);
        var response = new BulkPublishResponse();
        foreach (var failure in failures)
        {
            response.FailedEntries.Add(new BulkPublishResponseFailedEntry { EntryId = failure.EntryId, Error = failure.Error });
        }

        return response;
    }
}
