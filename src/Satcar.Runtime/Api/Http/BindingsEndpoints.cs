using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;

namespace Satcar.Runtime.Api.Http;

/// <summary>
/// The HTTP head of output bindings (https://docs.dapr.io/reference/api/bindings_api/): InvokeBinding.
/// It reads daprd's request shape, encodes <c>data</c> as JSON for the component and writes the
/// response with its metadata as <c>metadata.*</c> headers; the logic is in <see cref="BindingsService"/>.
/// </summary>
internal sealed class BindingsEndpoints(BindingsService bindings, SatcarOptions options)
{
    private const string MetadataHeaderPrefix = "metadata.";

    // Text stays readable in what the component receives (files, Redis values); the bytes are still valid JSON.
    private static readonly JsonWriterOptions s_dataWriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The trace headers daprd copies from the request into the binding's metadata.</summary>
    private static readonly string[] s_traceHeaders = ["traceparent", "tracestate", "baggage"];

    /// <summary>POST|PUT /v1.0/bindings/{name}</summary>
    public async Task InvokeBindingAsync(HttpContext context, string name)
    {
        var body = await RequestReading.ReadBodyAsync(context, options.MaxBodySize);
        var request = ReadRequest(body);
        foreach (var header in s_traceHeaders)
        {
            if (context.Request.Headers[header].ToString() is { Length: > 0 } value)
            {
                request.Metadata[header] = value;
            }
        }

        BindingResponse? response;
        try
        {
            response = await bindings.InvokeOutputBindingAsync(name, new BindingRequest(request.Operation, request.Data, request.Metadata), context.RequestAborted);
        }
        catch (OutputBindingException e)
        {
            await WriteFailureAsync(context, e);
            return;
        }

        var http = context.Response;
        if (response is null)
        {
            http.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        http.StatusCode = StatusCodes.Status200OK;
        http.ContentType = string.IsNullOrEmpty(response.ContentType) ? "application/json" : response.ContentType;
        AddMetadataHeaders(http, response.Metadata);
        http.ContentLength = response.Data.Length;
        await http.Body.WriteAsync(response.Data, context.RequestAborted);
    }

    /// <summary>
    /// Reads <c>{"data": …, "metadata": {…}, "operation": "…"}</c> as Go's <c>json.Unmarshal</c> reads it
    /// into daprd's request struct: names match in any case (the last one wins), a missing <c>data</c>
    /// is <c>null</c>, and anything that does not fit the struct is <c>ERR_MALFORMED_REQUEST</c>.
    /// </summary>
    internal static ParsedRequest ReadRequest(byte[] body)
    {
        if (body.Length == 0)
        {
            throw ApiErrors.Malformed("failed deserializing HTTP body: the body is empty");
        }

        using var document = RequestReading.ParseJson(body);
        var root = document.RootElement;
        if (root.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            throw ApiErrors.Malformed("failed deserializing HTTP body: the body must be a JSON object with \"operation\", \"data\" and \"metadata\"");
        }

        var operation = "";
        var data = "null"u8.ToArray();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.ValueKind == JsonValueKind.Null)
        {
            return new ParsedRequest(operation, data, metadata);
        }

        foreach (var property in root.EnumerateObject())
        {
            if (property.Name.Equals("operation", StringComparison.OrdinalIgnoreCase))
            {
                operation = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString()!,
                    JsonValueKind.Null => "",
                    _ => throw ApiErrors.Malformed("failed deserializing HTTP body: \"operation\" must be a string"),
                };
            }
            else if (property.Name.Equals("data", StringComparison.OrdinalIgnoreCase))
            {
                data = EncodeData(property.Value);
            }
            else if (property.Name.Equals("metadata", StringComparison.OrdinalIgnoreCase))
            {
                metadata = ReadMetadata(property.Value);
            }
        }

        return new ParsedRequest(operation, data, metadata);
    }

    /// <summary>daprd marshals <c>data</c> again, so a JSON string reaches the component with its quotes.</summary>
    private static byte[] EncodeData(JsonElement data)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_dataWriterOptions))
        {
            data.WriteTo(writer);
        }

        return buffer.ToArray();
    }

    private static Dictionary<string, string> ReadMetadata(JsonElement element)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.ValueKind == JsonValueKind.Null)
        {
            return metadata;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw ApiErrors.Malformed("failed deserializing HTTP body: \"metadata\" must be an object of strings");
        }

        foreach (var item in element.EnumerateObject())
        {
            metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String
                ? item.Value.GetString()!
                : throw ApiErrors.Malformed($"failed deserializing HTTP body: metadata \"{item.Name}\" must be a string");
        }

        return metadata;
    }

    /// <summary>
    /// The error body with the response metadata beside it as headers: <see cref="HttpErrors.WriteAsync"/>
    /// clears the headers, so the body is rendered here with the same writer.
    /// </summary>
    private static async Task WriteFailureAsync(HttpContext context, OutputBindingException failure)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            context.Abort();
            return;
        }

        response.StatusCode = failure.Error.HttpStatus;
        response.ContentType = "application/json";
        AddMetadataHeaders(response, failure.ResponseMetadata);
        await using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            HttpErrors.Write(writer, failure.Error);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static void AddMetadataHeaders(HttpResponse response, IReadOnlyDictionary<string, string> metadata)
    {
        foreach (var (key, value) in metadata)
        {
            // A name or value that cannot travel in a header is left out rather than failing the whole response.
            if (HeaderRules.IsToken(key) && HeaderRules.IsValue(value))
            {
                response.Headers.Append(MetadataHeaderPrefix + key, value);
            }
        }
    }

    /// <summary>An output binding request as read from the HTTP body.</summary>
    internal sealed record ParsedRequest(string Operation, byte[] Data, Dictionary<string, string> Metadata);
}
