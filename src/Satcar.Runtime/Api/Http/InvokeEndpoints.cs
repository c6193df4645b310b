using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Invocation;

namespace Satcar.Runtime.Api.Http;

/// <summary>
/// The HTTP head of service invocation (https://docs.dapr.io/reference/api/service_invocation_api/).
/// The target comes, in daprd's order, from the <c>dapr-app-id</c> header, from HTTP basic auth with
/// the user <c>dapr-app-id</c>, or from <c>/v1.0/invoke/{id}/method/{method}</c>. With the first two,
/// the method is the whole request path; this also serves every route no other endpoint matched.
/// </summary>
internal sealed class InvokeEndpoints(InvocationService invocation)
{
    private const string BasicUser = "dapr-app-id";

    /// <summary>Invokes with the target and method taken from the request.</summary>
    /// <param name="context">The request.</param>
    /// <param name="path">The parsed path.</param>
    /// <param name="urlAppId">The id from <c>/v1.0/invoke/{id}/method/…</c>, or null on the fallback route.</param>
    /// <param name="methodStart">Where the method's segments start in <paramref name="path"/> for the URL form.</param>
    public Task InvokeServiceAsync(HttpContext context, ApiPath path, string? urlAppId, int methodStart)
    {
        string id;
        IEnumerable<string> method;
        var removeAuthorization = false;
        if (context.Request.Headers[AppForwarder.AppIdHeader].ToString() is { Length: > 0 } header)
        {
            id = header;
            method = path.Segments;
        }
        else if (TryReadBasicAuthAppId(context.Request.Headers, out var basicId))
        {
            id = basicId;
            method = path.Segments;
            removeAuthorization = true;
        }
        else if (urlAppId is not null)
        {
            id = urlAppId;
            method = path.Segments.Skip(methodStart);
        }
        else
        {
            throw ApiErrors.NoAppId();
        }

        var target = InvocationTarget.Parse(id);
        var pathAndQuery = "/" + MethodPath.Normalize(id, method) + context.Request.QueryString.Value;
        return invocation.InvokeAsync(context, target, pathAndQuery, removeAuthorization);
    }

    private static bool TryReadBasicAuthAppId(IHeaderDictionary headers, out string appId)
    {
        appId = "";
        var value = headers[HeaderNames.Authorization].ToString();
        if (!value.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value["Basic ".Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !decoded[..colon].Equals(BasicUser, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            appId = decoded[(colon + 1)..];
            return appId.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
