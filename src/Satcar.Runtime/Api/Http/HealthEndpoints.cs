using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Health;
using Satcar.Runtime.Hosting;

namespace Satcar.Runtime.Api.Http;

/// <summary>
/// <c>GET /v1.0/healthz</c> and <c>GET /v1.0/healthz/outbound</c>
/// (https://docs.dapr.io/reference/api/health_api/): 204 when ready, daprd's 500 errors otherwise.
/// </summary>
internal sealed class HealthEndpoints(RuntimeReadiness readiness, SatcarOptions options)
{
    public void GetHealthz(HttpContext context)
    {
        // The ?appid= check lets a stale name-resolver entry that now points at another app fail its health check.
        if (context.Request.Query["appid"].ToString() is { Length: > 0 } appId && appId != options.AppId)
        {
            throw ApiErrors.AppIdNotMatch();
        }

        var pending = readiness.PendingTargets();
        if (pending.Count > 0)
        {
            throw ApiErrors.NotReady($"[{string.Join(", ", pending)}]");
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public void GetOutboundHealthz(HttpContext context)
    {
        if (!readiness.OutboundReady)
        {
            throw ApiErrors.OutboundNotReady();
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}
