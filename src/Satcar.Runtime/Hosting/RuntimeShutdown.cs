using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Satcar.Runtime.Hosting;

/// <summary>
/// The shutdown API of both heads (HTTP <c>POST /v1.0/shutdown</c>, gRPC <c>Shutdown</c>): the caller
/// gets its answer first, then the satcar stops gracefully.
/// </summary>
public sealed partial class RuntimeShutdown(IHostApplicationLifetime lifetime, ILogger<RuntimeShutdown> logger)
{
    /// <summary>Stops once <paramref name="context"/>'s response is complete; <paramref name="force"/> makes the exit code 1, as daprd's forced shutdown does.</summary>
    public void AfterResponse(HttpContext context, bool force)
    {
        context.Response.OnCompleted(() =>
        {
            Log.ShutdownRequested(logger, force);
            if (force)
            {
                Environment.ExitCode = 1;
            }

            lifetime.StopApplication();
            return Task.CompletedTask;
        });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1502, Level = LogLevel.Information, Message = "Shutdown requested through the API (force: {Force})")]
        public static partial void ShutdownRequested(ILogger logger, bool force);
    }
}
