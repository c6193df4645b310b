using System.Buffers;
using System.Text.Json;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Satcar.Runtime.Errors;
using Satcar.Runtime.State;
using GrpcConcurrency = Dapr.Client.Autogen.Grpc.v1.StateOptions.Types.StateConcurrency;
using GrpcConsistency = Dapr.Client.Autogen.Grpc.v1.StateOptions.Types.StateConsistency;

namespace Satcar.Runtime.Api.Grpc;

/// <summary>State: GetState, GetBulkState, SaveState, DeleteState, DeleteBulkState, ExecuteStateTransaction.</summary>
internal sealed partial class DaprGrpcApi
{
    private const string ContentTypeKey = "contentType";

    private static readonly Empty s_empty = new();

    public async Task<GetStateResponse> GetStateAsync(GetStateRequest request, ServerCallContext call)
    {
        var readOptions = new StateReadOptions(Consistency(request.Consistency), Copy(request.Metadata));
        var entry = await state.GetAsync(request.StoreName, request.Key, readOptions, call.CancellationToken);
        var response = new GetStateResponse();
        if (entry is not null)
        {
            response.Data = ByteString.CopyFrom(entry.Value.Span);
            response.Etag = entry.ETag;
            AddExpireTime(response.Metadata, entry);
        }

        return response;
    }

    public async Task<Empty> SaveStateAsync(SaveStateRequest request, ServerCallContext call)
    {
        state.Store(request.StoreName);
        if (request.States.Count == 0)
        {
            return s_empty;
        }

        var items = request.States.Select(item => SetRequest(item, decodeJsonValue: true)).ToList();
        await state.SaveAsync(request.StoreName, items, call.CancellationToken);
        return s_empty;
    }

    public async Task<Empty> DeleteStateAsync(DeleteStateRequest request, ServerCallContext call)
    {
        await state.DeleteAsync(request.StoreName, new StateDeleteRequest
        {
            Key = request.Key,
            ETag = NullIfEmpty(request.Etag?.Value),
            Concurrency = Concurrency(request.Options),
            Consistency = Consistency(request.Options),
            Metadata = Copy(request.Metadata),
        }, call.CancellationToken);
        return s_empty;
    }

    /// <summary>Deletes every item; keys are checked first, so a malformed one means nothing is deleted.</summary>
    public async Task<Empty> DeleteBulkStateAsync(DeleteBulkStateRequest request, ServerCallContext call)
    {
        state.Store(request.StoreName);
        var deletes = request.States.Select(DeleteRequest).ToList();
        foreach (var delete in deletes)
        {
            StateService.ValidateKey(delete.Key);
        }

        foreach (var delete in deletes)
        {
            await state.DeleteAsync(request.StoreName, delete, call.CancellationToken);
        }

        return s_empty;
    }

    public async Task<GetBulkStateResponse> GetBulkStateAsync(GetBulkStateRequest request, ServerCallContext call)
    {
        state.Store(request.StoreName);
        var response = new GetBulkStateResponse();
        if (request.Keys.Count == 0)
        {
            return response;
        }

        foreach (var key in request.Keys)
        {
            StateService.ValidateKey(key);
        }

        var readOptions = new StateReadOptions(StateConsistency.Unspecified, Copy(request.Metadata));
        var items = await state.GetBulkAsync(request.StoreName, [.. request.Keys], request.Parallelism, readOptions, call.CancellationToken);
        foreach (var item in items)
        {
            var bulkItem = new Dapr.Client.Autogen.Grpc.v1.BulkStateItem { Key = item.Key, Error = item.Error ?? "" };
            if (item.Entry is { } entry)
            {
                bulkItem.Data = ByteString.CopyFrom(entry.Value.Span);
                bulkItem.Etag = entry.ETag;
                AddExpireTime(bulkItem.Metadata, entry);
            }

            response.Items.Add(bulkItem);
        }

        return response;
    }

    /// <summary>daprd passes transaction values to the store as given: no JSON decoding here, unlike SaveState.</summary>
    public async Task<Empty> ExecuteStateTransactionAsync(ExecuteStateTransactionRequest request, ServerCallContext call)
    {
        state.Store(request.StoreName);
        var operations = new List<StateOperation>(request.Operations.Count);
        foreach (var operation in request.Operations)
        {
            var item = operation.Request ?? throw ApiErrors.Malformed("a transaction operation has no request");
            operations.Add(operation.OperationType switch
            {
                "upsert" => StateOperation.Upsert(SetRequest(item, decodeJsonValue: false)),
                "delete" => StateOperation.Remove(DeleteRequest(item)),
                _ => throw ApiErrors.OperationNotSupported(operation.OperationType),
            });
        }

        await state.ExecuteTransactionAsync(request.StoreName, operations, Copy(request.Metadata), call.CancellationToken);
        return s_empty;
    }

    /// <summary>
    /// One item of a save. As daprd does, a value whose item metadata says <c>contentType: application/json</c>
    /// is decoded and stored in its compact encoding (a malformed one is refused); any other value is stored as sent.
    /// </summary>
    private static StateSetRequest SetRequest(StateItem item, bool decodeJsonValue)
    {
        StateService.ValidateKey(item.Key);
        var metadata = Copy(item.Metadata);
        ReadOnlyMemory<byte> value = item.Value.Memory;
        if (decodeJsonValue && metadata.TryGetValue(ContentTypeKey, out var contentType) && contentType == "application/json")
        {
            value = CompactJson(item.Key, item.Value.Span);
        }

        return new StateSetRequest
        {
            Key = item.Key,
            Value = value,
            ETag = NullIfEmpty(item.Etag?.Value),
            Concurrency = Concurrency(item.Options),
            Consistency = Consistency(item.Options),
            TtlSeconds = StateService.TtlSeconds(metadata),
            Metadata = metadata,
        };
    }

    private static StateDeleteRequest DeleteRequest(StateItem item) => new()
    {
        Key = item.Key,
        ETag = NullIfEmpty(item.Etag?.Value),
        Concurrency = Concurrency(item.Options),
        Consistency = Consistency(item.Options),
        Metadata = Copy(item.Metadata),
    };

    private static byte[] CompactJson(string key, ReadOnlySpan<byte> value)
    {
        var reader = new Utf8JsonReader(value);
        try
        {
            using var document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                throw new JsonException("unexpected data after the JSON value");
            }

            var buffer = new ArrayBufferWriter<byte>(value.Length);
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                document.RootElement.WriteTo(writer);
            }

            return buffer.WrittenSpan.ToArray();
        }
        catch (JsonException e)
        {
            throw ApiErrors.Malformed($"the value of key {key} has contentType application/json but is not JSON: {e.Message}");
        }
    }

    private static void AddExpireTime(Google.Protobuf.Collections.MapField<string, string> metadata, StateEntry entry)
    {
        if (entry.ExpiresAt is { } expires)
        {
            metadata["ttlExpireTime"] = StateService.FormatExpireTime(expires);
        }
    }

    private static StateConsistency Consistency(GrpcConsistency consistency) => consistency switch
    {
        GrpcConsistency.ConsistencyEventual => StateConsistency.Eventual,
        GrpcConsistency.ConsistencyStrong => StateConsistency.Strong,
        _ => StateConsistency.Unspecified,
    };

    private static StateConsistency Consistency(StateOptions? options) =>
        options is null ? StateConsistency.Unspecified : Consistency(options.Consistency);

    private static StateConcurrency Concurrency(StateOptions? options) => options?.Concurrency switch
    {
        GrpcConcurrency.ConcurrencyFirstWrite => StateConcurrency.FirstWrite,
        GrpcConcurrency.ConcurrencyLastWrite => StateConcurrency.LastWrite,
        _ => StateConcurrency.Unspecified,
    };
}
