using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Api.Http;
using Satcar.Runtime.AppChannel;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.Invocation;
using Satcar.Runtime.Security;

namespace Satcar.Runtime.Api.Peer;

/// <summary>
/// The peer port: where other satcars invoke this satcar's app (daprd's internal gRPC server, served
/// here as HTTP/1.1). It has one route, <c>* /v1.0/invoke/{appId}/method/{method}</c>. Every call must
/// carry the shared peer secret, compared in constant time; the secret is removed before the app is
/// called. A call for another app id, or while the app is unhealthy, is refused with
/// <see cref="PeerForwarder.RefusalHeader"/> so the calling satcar can try another instance.
/// </summary>
internal sealed partial class PeerApi(AppForwarder app, AppHealth health, SatcarOptions options, ILogger<PeerApi> logger)
{
    private readonly ApiToken? _secret = options.PeersEnabled ? new ApiToken(options.PeerSecret!) : null;

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            if (_secret is null || !_secret.Matches(context.Request.Headers[PeerForwarder.TokenHeader].ToString()))
            {
                Log.Unauthenticated(logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                await HttpErrors.WriteAsync(context, ApiErrors.PeerUnauthenticated().Error);
                return;
            }

            context.Request.Headers.Remove(PeerForwarder.TokenHeader);
            var path = ApiPath.Parse(context, out var pathError) ?? throw ApiErrors.BadPath(pathError!);
            if (path.Count < 4 || path[0] != "v1.0" || path[1] != "invoke" || path[3] != "method")
            {
                throw ApiErrors.NotAPeerRoute();
            }

            var target = InvocationTarget.Parse(path[2]);
            if (!target.Is(options.AppId, options.Namespace))
            {
                await RefuseAsync(context, StatusCodes.Status404NotFound, $"the satcar at this address serves app {options.AppId}, not {target}");
                return;
            }

            if (!health.IsHealthy)
            {
                await RefuseAsync(context, StatusCodes.Status500InternalServerError, "app is not in a healthy state");
                return;
            }

            var headers = context.Request.Headers;
            var pathAndQuery = "/" + MethodPath.Normalize(target.AppId, path.Segments.Skip(4)) + context.Request.QueryString.Value;
            await app.ForwardAsync(context, new AppCall(
                pathAndQuery,
                headers[AppForwarder.CallerAppIdHeader].ToString(),
                headers[AppForwarder.CallerNamespaceHeader].ToString(),
                options.AppId));
        }
        catch (ApiException e)
        {
            await HttpErrors.WriteAsync(context, e.Error);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The calling satcar went away.
        }
    }

    /// <summary>A refusal by this satcar, marked so the caller does not mistake it for the app's answer.</summary>
    private static async Task RefuseAsync(HttpContext context, int status, string reason)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers[PeerForwarder.RefusalHeader] = "1";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("errorCode", ApiErrors.DirectInvoke.Code);
        writer.WriteString("message", reason);
        writer.WriteEndObject();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1420, Level = LogLevel.Warning, Message = "Refused a peer call from {Remote}: missing or wrong peer secret")]
        public static partial void Unauthenticated(ILogger logger, string remote);
    }
}
