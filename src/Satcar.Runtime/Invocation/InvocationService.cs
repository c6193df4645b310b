using Microsoft.AspNetCore.Http;
using Satcar.Runtime.AppChannel;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;

namespace Satcar.Runtime.Invocation;

/// <summary>
/// Service invocation: decides where a call goes. A call to this satcar's own app id goes straight
/// to the app channel, as daprd does for same-app calls; a call to another app id goes to a satcar
/// that serves it, found through name resolution.
/// </summary>
public sealed class InvocationService(AppForwarder appForwarder, PeerForwarder peers, AppHealth appHealth, SatcarOptions options)
{
    public Task InvokeAsync(HttpContext context, InvocationTarget target, string pathAndQuery, bool removeAuthorization)
    {
        if (!target.Is(options.AppId, options.Namespace))
        {
            return peers.ForwardAsync(context, target, pathAndQuery, removeAuthorization);
        }

        if (!appHealth.IsHealthy)
        {
            throw ApiErrors.AppUnhealthy(target.ToString());
        }

        // For a local call daprd resets the identity headers to the local app.
        return appForwarder.ForwardAsync(context, new AppCall(pathAndQuery, options.AppId, options.Namespace, options.AppId, removeAuthorization));
    }
}
