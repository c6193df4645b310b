using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Errors;

namespace Satcar.Runtime.Api.Http;

/// <summary>
/// Renders an <see cref="ApiError"/> as daprd's JSON error body: <c>errorCode</c>, <c>message</c> and,
/// for the rich errors, <c>details</c> with <c>google.rpc.ErrorInfo</c> and <c>ResourceInfo</c> entries.
/// </summary>
internal static class HttpErrors
{
    private const string TypePrefix = "type.googleapis.com/google.rpc.";

    // Messages quote names ('statestore'); the default encoder would send them as \u0027. The body is
    // application/json, never HTML, so only what JSON itself requires is escaped.
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(HttpContext context, ApiError error)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // Too late for an error body: cut the response so the caller cannot mistake it for a complete one.
            context.Abort();
            return;
        }

        response.Clear();
        response.StatusCode = error.HttpStatus;
        response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(response.BodyWriter, s_writerOptions))
        {
            Write(writer, error);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public static void Write(Utf8JsonWriter writer, ApiError error)
    {
        writer.WriteStartObject();
        writer.WriteString("errorCode", error.Code);
        writer.WriteString("message", error.Message);
        if (error.Kind.Reason is { } reason)
        {
            writer.WriteStartArray("details");
            writer.WriteStartObject();
            writer.WriteString("@type", TypePrefix + "ErrorInfo");
            writer.WriteString("reason", reason);
            writer.WriteString("domain", "dapr.io");
            if (error.InfoMetadata is { Count: > 0 } metadata)
            {
                writer.WriteStartObject("metadata");
                foreach (var (key, value) in metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            if (error.Resource is { } resource)
            {
                writer.WriteStartObject();
                writer.WriteString("@type", TypePrefix + "ResourceInfo");
                writer.WriteString("resource_type", resource.Type);
                writer.WriteString("resource_name", resource.Name);
                writer.WriteString("owner", "");
                writer.WriteString("description", "");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>daprd answers a missing or wrong API token with a plain-text 401, not the JSON error shape.</summary>
    public static Task WriteInvalidTokenAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("invalid api token", context.RequestAborted);
    }
}
