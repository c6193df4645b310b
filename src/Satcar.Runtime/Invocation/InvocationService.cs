using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;

namespace Satcar.Runtime.Invocation;

/// <summary>
/// Service invocation: decides where a call goes. A call to this satcar's own app id goes straight
/// to the app channel, as daprd does for same-app calls; a call to another app id needs a peer,
/// which this satcar cannot reach without name resolution.
/// </summary>
public sealed class InvocationService(AppForwarder appForwarder, SatcarOptions options)
{
    public Task InvokeAsync(HttpContext context, InvocationTarget target, string pathAndQuery, bool removeAuthorization)
    {
        if (target.Is(options.AppId, options.Namespace))
        {
            // For a local call daprd resets the identity headers to the local app.
            return appForwarder.ForwardAsync(context, new AppCall(pathAndQuery, options.AppId, options.Namespace, options.AppId, removeAuthorization));
        }

        throw ApiErrors.Invoke(target.ToString(), $"app id {target} is not this satcar's app and no name resolution is configured to find its satcar");
    }
}
