using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.State;

namespace Satcar.Runtime.Api.Http;

/// <summary>
/// The HTTP head of the state API (https://docs.dapr.io/reference/api/state_api/): GetState,
/// SaveState, DeleteState, GetBulkState and ExecuteStateTransaction. It only translates; the
/// building-block logic is in <see cref="StateService"/>.
/// </summary>
internal sealed class StateEndpoints(StateService state, SatcarOptions options)
{
    private static readonly JsonWriterOptions s_valueWriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>GET /v1.0/state/{store}/{key}</summary>
    public async Task GetStateAsync(HttpContext context, string storeName, string key)
    {
        var options = new StateReadOptions(ParseConsistency(context.Request.Query["consistency"]), RequestReading.QueryMetadata(context));
        var entry = await state.GetAsync(storeName, key, options, context.RequestAborted);
        if (entry is null)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.Headers.ETag = entry.ETag;
        if (entry.ExpiresAt is { } expires)
        {
            response.Headers["metadata.ttlExpireTime"] = StateService.FormatExpireTime(expires);
        }

        response.ContentLength = entry.Value.Length;
        await response.Body.WriteAsync(entry.Value, context.RequestAborted);
    }

    /// <summary>POST|PUT /v1.0/state/{store}</summary>
    public async Task SaveStateAsync(HttpContext context, string storeName)
    {
        state.Store(storeName);
        var queryMetadata = RequestReading.QueryMetadata(context);
        using var document = RequestReading.ParseJson(await RequestReading.ReadBodyAsync(context, options.MaxBodySize));
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw ApiErrors.Malformed("failed deserializing HTTP body: the body must be a JSON array of state items");
        }

        var items = new List<StateSetRequest>();
        var index = 0;
        foreach (var element in document.RootElement.EnumerateArray())
        {
            items.Add(ReadSetRequest(element, $"[{index++}]", queryMetadata));
        }

        await state.SaveAsync(storeName, items, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>DELETE /v1.0/state/{store}/{key}, with the ETag in <c>If-Match</c>.</summary>
    public async Task DeleteStateAsync(HttpContext context, string storeName, string key)
    {
        var query = context.Request.Query;
        var metadata = RequestReading.QueryMetadata(context);
        var request = new StateDeleteRequest
        {
            Key = key,
            ETag = NullIfEmpty(context.Request.Headers.IfMatch.ToString()),
            Concurrency = ParseConcurrency(query["concurrency"], "concurrency"),
            Consistency = ParseConsistency(query["consistency"]),
            Metadata = metadata,
        };
        await state.DeleteAsync(storeName, request, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>POST|PUT /v1.0/state/{store}/bulk</summary>
    public async Task GetBulkStateAsync(HttpContext context, string storeName)
    {
        state.Store(storeName);
        using var document = RequestReading.ParseJson(await RequestReading.ReadBodyAsync(context, options.MaxBodySize));
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiErrors.Malformed("failed deserializing HTTP body: the body must be a JSON object with \"keys\"");
        }

        var keys = new List<string>();
        if (Property(root, "keys") is { } keysElement)
        {
            if (keysElement.ValueKind != JsonValueKind.Array)
            {
                throw ApiErrors.Malformed("failed deserializing HTTP body: \"keys\" must be an array of strings");
            }

            foreach (var key in keysElement.EnumerateArray())
            {
                keys.Add(key.ValueKind == JsonValueKind.String
                    ? key.GetString()!
                    : throw ApiErrors.Malformed("failed deserializing HTTP body: \"keys\" must be an array of strings"));
            }
        }

        var parallelism = 0;
        if (Property(root, "parallelism") is { ValueKind: not JsonValueKind.Null } parallelismElement
            && (!parallelismElement.TryGetInt32(out parallelism) || parallelism < 0))
        {
            throw ApiErrors.Malformed("failed deserializing HTTP body: \"parallelism\" must be a non-negative integer");
        }

        var metadata = ReadMetadata(Property(root, "metadata"), "metadata");
        foreach (var (name, value) in RequestReading.QueryMetadata(context))
        {
            metadata[name] = value;
        }

        foreach (var key in keys)
        {
            StateService.ValidateKey(key);
        }

        var items = await state.GetBulkAsync(storeName, keys, parallelism, new StateReadOptions(StateConsistency.Unspecified, metadata), context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(context.Response.BodyWriter, s_valueWriterOptions))
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                writer.WriteStartObject();
                writer.WriteString("key", item.Key);
                if (item.Entry is { } entry)
                {
                    writer.WritePropertyName("data");
                    WriteStoredValue(writer, entry.Value.Span);
                    writer.WriteString("etag", entry.ETag);
                    if (entry.ExpiresAt is { } expires)
                    {
                        writer.WriteStartObject("metadata");
                        writer.WriteString("ttlExpireTime", StateService.FormatExpireTime(expires));
                        writer.WriteEndObject();
                    }
                }

                if (item.Error is { } error)
                {
                    writer.WriteString("error", error);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }

    /// <summary>POST|PUT /v1.0/state/{store}/transaction</summary>
    public async Task ExecuteStateTransactionAsync(HttpContext context, string storeName)
    {
        state.Store(storeName);
        var queryMetadata = RequestReading.QueryMetadata(context);
        using var document = RequestReading.ParseJson(await RequestReading.ReadBodyAsync(context, options.MaxBodySize));
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiErrors.Malformed("failed deserializing HTTP body: the body must be a JSON object with \"operations\"");
        }

        var metadata = ReadMetadata(Property(root, "metadata"), "metadata");
        foreach (var (name, value) in queryMetadata)
        {
            metadata[name] = value;
        }

        var operations = new List<StateOperation>();
        if (Property(root, "operations") is { ValueKind: not JsonValueKind.Null } list)
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                throw ApiErrors.Malformed("failed deserializing HTTP body: \"operations\" must be an array");
            }

            var index = 0;
            foreach (var operation in list.EnumerateArray())
            {
                operations.Add(ReadOperation(operation, $"operations[{index++}]", queryMetadata));
            }
        }

        await state.ExecuteTransactionAsync(storeName, operations, metadata, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static StateOperation ReadOperation(JsonElement element, string path, Dictionary<string, string> queryMetadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw ApiErrors.Malformed($"failed deserializing HTTP body: {path} must be an object");
        }

        var kind = Property(element, "operation") is { ValueKind: JsonValueKind.String } op ? op.GetString()! : "";
        if (Property(element, "request") is not { ValueKind: JsonValueKind.Object } request)
        {
            throw ApiErrors.Malformed($"failed deserializing HTTP body: {path}.request must be an object");
        }

        switch (kind)
        {
            case "upsert":
                return StateOperation.Upsert(ReadSetRequest(request, $"{path}.request", queryMetadata));
            case "delete":
                var delete = ReadSetRequest(request, $"{path}.request", queryMetadata);
                return StateOperation.Remove(new StateDeleteRequest
                {
                    Key = delete.Key,
                    ETag = delete.ETag,
                    Concurrency = delete.Concurrency,
                    Consistency = delete.Consistency,
                    Metadata = delete.Metadata,
                });
            default:
                throw ApiErrors.OperationNotSupported(kind);
        }
    }

    /// <summary>Reads one state item (<c>key</c>, <c>value</c>, <c>etag</c>, <c>metadata</c>, <c>options</c>); query metadata wins over the item's.</summary>
    private static StateSetRequest ReadSetRequest(JsonElement element, string path, Dictionary<string, string> queryMetadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw ApiErrors.Malformed($"failed deserializing HTTP body: {path} must be an object");
        }

        var key = Property(element, "key") switch
        {
            { ValueKind: JsonValueKind.String } k => k.GetString()!,
            null or { ValueKind: JsonValueKind.Null } => "",
            _ => throw ApiErrors.Malformed($"failed deserializing HTTP body: {path}.key must be a string"),
        };
        StateService.ValidateKey(key);

        var etag = Property(element, "etag") switch
        {
            { ValueKind: JsonValueKind.String } e => NullIfEmpty(e.GetString()),
            null or { ValueKind: JsonValueKind.Null } => null,
            _ => throw ApiErrors.Malformed($"failed deserializing HTTP body: {path}.etag must be a string"),
        };

        var metadata = ReadMetadata(Property(element, "metadata"), $"{path}.metadata");
        foreach (var (name, value) in queryMetadata)
        {
            metadata[name] = value;
        }

        var concurrency = StateConcurrency.Unspecified;
        var consistency = StateConsistency.Unspecified;
        if (Property(element, "options") is { ValueKind: not JsonValueKind.Null } options)
        {
            if (options.ValueKind != JsonValueKind.Object)
            {
                throw ApiErrors.Malformed($"failed deserializing HTTP body: {path}.options must be an object");
            }

            concurrency = ParseConcurrency(StringProperty(options, "concurrency", path), $"{path}.options.concurrency");
            consistency = ParseConsistency(StringProperty(options, "consistency", path), $"{path}.options.consistency");
        }

        return new StateSetRequest
        {
            Key = key,
            Value = EncodeValue(Property(element, "value")),
            ETag = etag,
            Concurrency = concurrency,
            Consistency = consistency,
            TtlSeconds = StateService.TtlSeconds(metadata),
            Metadata = metadata,
        };
    }

    /// <summary>
    /// daprd decodes the JSON <c>value</c> and stores its compact re-encoding: an object stays JSON, a
    /// string keeps its quotes. A missing value is stored as JSON <c>null</c>.
    /// </summary>
    private static byte[] EncodeValue(JsonElement? value)
    {
        if (value is not { } element)
        {
            return "null"u8.ToArray();
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, s_valueWriterOptions))
        {
            element.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes stored bytes as a JSON value: verbatim when they are JSON, else as a string (base64 when not UTF-8).</summary>
    private static void WriteStoredValue(Utf8JsonWriter writer, ReadOnlySpan<byte> value)
    {
        if (IsJson(value))
        {
            writer.WriteRawValue(value, skipInputValidation: true);
        }
        else if (System.Text.Unicode.Utf8.IsValid(value))
        {
            writer.WriteStringValue(value);
        }
        else
        {
            writer.WriteBase64StringValue(value);
        }
    }

    private static bool IsJson(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        var reader = new Utf8JsonReader(value);
        try
        {
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static Dictionary<string, string> ReadMetadata(JsonElement? element, string path)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element is not { ValueKind: not JsonValueKind.Null } value)
        {
            return metadata;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw ApiErrors.Malformed($"failed deserializing HTTP body: {path} must be an object of strings");
        }

        foreach (var property in value.EnumerateObject())
        {
            metadata[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw ApiErrors.Malformed($"failed deserializing HTTP body: {path}.{property.Name} must be a string");
        }

        return metadata;
    }

    // Dapr matches the option field names case-insensitively.
    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static string? StringProperty(JsonElement element, string name, string path) => Property(element, name) switch
    {
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        null or { ValueKind: JsonValueKind.Null } => null,
        _ => throw ApiErrors.Malformed($"failed deserializing HTTP body: {path}.options.{name} must be a string"),
    };

    private static StateConcurrency ParseConcurrency(string? text, string field) => text switch
    {
        null or "" => StateConcurrency.Unspecified,
        "first-write" => StateConcurrency.FirstWrite,
        "last-write" => StateConcurrency.LastWrite,
        _ => throw ApiErrors.Malformed($"{field} must be first-write or last-write, got '{text}'"),
    };

    private static StateConsistency ParseConsistency(string? text, string field = "consistency") => text switch
    {
        null or "" => StateConsistency.Unspecified,
        "eventual" => StateConsistency.Eventual,
        "strong" => StateConsistency.Strong,
        _ => throw ApiErrors.Malformed($"{field} must be eventual or strong, got '{text}'"),
    };

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
