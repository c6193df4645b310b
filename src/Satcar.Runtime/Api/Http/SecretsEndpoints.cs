using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Secrets;

namespace Satcar.Runtime.Api.Http;

/// <summary>
/// The HTTP head of the secrets API (https://docs.dapr.io/reference/api/secrets_api/): GetSecret and
/// GetBulkSecret. It only translates; the logic is in <see cref="SecretsService"/>. Names are written
/// in ordinal order, as Go's JSON encoder writes daprd's maps.
/// </summary>
internal sealed class SecretsEndpoints(SecretsService secrets)
{
    /// <summary>GET /v1.0/secrets/{store}/{key}: 200 with <c>{"&lt;key&gt;":"&lt;value&gt;", …}</c>.</summary>
    public async Task GetSecretAsync(HttpContext context, string storeName, string key)
    {
        var values = await secrets.GetSecretAsync(storeName, key, RequestReading.QueryMetadata(context), context.RequestAborted);
        await WriteJsonAsync(context, writer => WriteValues(writer, values));
    }

    /// <summary>GET /v1.0/secrets/{store}/bulk: 200 with <c>{"&lt;secret&gt;":{"&lt;key&gt;":"&lt;value&gt;"}, …}</c>.</summary>
    public async Task GetBulkSecretAsync(HttpContext context, string storeName)
    {
        var all = await secrets.GetBulkSecretAsync(storeName, RequestReading.QueryMetadata(context), context.RequestAborted);
        await WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            foreach (var (name, values) in all.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(name);
                WriteValues(writer, values);
            }

            writer.WriteEndObject();
        });
    }

    private static void WriteValues(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> values)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
    }

    private static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            write(writer);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
