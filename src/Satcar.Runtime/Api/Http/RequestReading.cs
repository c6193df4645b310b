using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Errors;

namespace Satcar.Runtime.Api.Http;

/// <summary>Reading request bodies and query metadata the way daprd's HTTP API does.</summary>
internal static class RequestReading
{
    private const string MetadataPrefix = "metadata.";

    private static readonly JsonDocumentOptions s_jsonOptions = new() { MaxDepth = 64 };

    /// <summary>
    /// Reads the whole body; a body over <paramref name="maxBodySize"/> (<c>--max-body-size</c>) or a
    /// broken read is <c>ERR_BODY_READ</c>, as in daprd. The limit counts body bytes, whatever the framing.
    /// </summary>
    public static async Task<byte[]> ReadBodyAsync(HttpContext context, long maxBodySize)
    {
        var length = context.Request.ContentLength;
        if (length > maxBodySize)
        {
            throw ApiErrors.Body(TooLarge);
        }

        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var buffer = new MemoryStream(length is > 0 ? (int)length.Value : 256);
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > maxBodySize)
                {
                    throw ApiErrors.Body(TooLarge);
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
        catch (BadHttpRequestException e)
        {
            throw ApiErrors.Body(e.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLarge : e.Message);
        }
        catch (IOException e)
        {
            throw ApiErrors.Body(e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    public const string TooLarge = "request body too large";

    /// <summary>Parses a JSON body; a syntax error is <c>ERR_MALFORMED_REQUEST</c>, as daprd reports it.</summary>
    public static JsonDocument ParseJson(byte[] body)
    {
        try
        {
            return JsonDocument.Parse(body.Length == 0 ? "null"u8.ToArray() : body, s_jsonOptions);
        }
        catch (JsonException e)
        {
            throw ApiErrors.Malformed($"failed deserializing HTTP body: {e.Message}");
        }
    }

    /// <summary>
    /// The <c>metadata.&lt;name&gt;=&lt;value&gt;</c> query parameters with the prefix removed; the first
    /// value of a repeated name wins and names are case-sensitive, as in daprd.
    /// </summary>
    public static Dictionary<string, string> QueryMetadata(HttpContext context)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, values) in context.Request.Query)
        {
            if (key.Length > MetadataPrefix.Length && key.StartsWith(MetadataPrefix, StringComparison.Ordinal))
            {
                metadata.TryAdd(key[MetadataPrefix.Length..], values.Count > 0 ? values[0] ?? "" : "");
            }
        }

        return metadata;
    }
}
