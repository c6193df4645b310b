using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.Invocation;
using Satcar.Runtime.Resources;
using Satcar.Runtime.Security;

namespace Satcar.Runtime.Api.Http;

/// <summary>
/// The Dapr HTTP API of a satcar: one request delegate that parses the path once, checks the API
/// token on that same parse, and dispatches on it. Like daprd, every route it does not match (an
/// unknown path or a known path with another verb) is a service invocation.
/// </summary>
internal sealed partial class HttpApi(
    StateEndpoints state,
    InvokeEndpoints invoke,
    PublishEndpoints publish,
    BindingsEndpoints bindings,
    SecretsEndpoints secrets,
    HealthEndpoints health,
    MetadataEndpoints metadata,
    SatcarOptions options,
    ResourceSet resources,
    ApiAllowlist apis,
    RuntimeShutdown shutdown,
    ILoggerFactory loggerFactory)
{
    private const string V1 = "v1.0";
    private const string V1Alpha1 = "v1.0-alpha1";

    private readonly ApiToken? _token = string.IsNullOrEmpty(options.ApiToken) ? null : new ApiToken(options.ApiToken);
    private readonly ILogger _logger = loggerFactory.CreateLogger<HttpApi>();
    private readonly ILogger _apiLogger = loggerFactory.CreateLogger("Satcar.Api");

    /// <summary>Whether each call is logged at Information: <c>--enable-api-logging</c>, else the Configuration's <c>spec.logging.apiLogging</c>.</summary>
    private readonly bool _apiLogging = options.EnableApiLogging ?? resources.Configuration?.ApiLogging ?? false;

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            var path = ApiPath.Parse(context, out var pathError);
            if (path is null)
            {
                throw ApiErrors.BadPath(pathError!);
            }

            if (_token is not null && !IsTokenExempt(context.Request.Method, path))
            {
                if (!_token.Matches(context.Request.Headers[AppForwarder.ApiTokenHeader].ToString()))
                {
                    await HttpErrors.WriteInvalidTokenAsync(context);
                    return;
                }

                context.Request.Headers.Remove(AppForwarder.ApiTokenHeader);
            }

            await DispatchAsync(context, path);
        }
        catch (ApiException e)
        {
            await HttpErrors.WriteAsync(context, e.Error);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away.
        }
        catch (Exception e)
        {
            Log.Unhandled(_logger, context.Request.Method, context.Request.Path, e);
            await HttpErrors.WriteAsync(context, new ApiError(ApiErrors.Generic, "internal error"));
        }
        finally
        {
            if (_apiLogging)
            {
                Log.ApiCall(_apiLogger, context.Request.Method, context.Request.Path.Value ?? "", context.Response.StatusCode);
            }
        }
    }

    /// <summary>Exactly <c>GET /v1.0/healthz</c> and <c>GET /v1.0/healthz/outbound</c> skip the token (GHSA-59m6-82qm-vqgj).</summary>
    private static bool IsTokenExempt(string method, ApiPath path) =>
        HttpMethods.IsGet(method) && (path.Is(V1, "healthz") || path.Is(V1, "healthz", "outbound"));

    private Task DispatchAsync(HttpContext context, ApiPath path)
    {
        // An API the Configuration's spec.api does not enable is an unknown route, as in daprd, where it is never registered.
        if (apis.RestrictsHttp && path.Count >= 2 && !apis.ServesHttp(path[0], Rest(path, 1)))
        {
            return FallbackAsync(context, path);
        }

        var method = context.Request.Method;
        if (path.Count >= 3 && path[0] == V1 && path[1] == "state" && DispatchState(context, path, method) is { } stateCall)
        {
            return stateCall;
        }

        var write = HttpMethods.IsPost(method) || HttpMethods.IsPut(method);
        if (write && path.Count >= 5 && path[0] is V1 or V1Alpha1 && path[1] == "publish" && path[2] == "bulk")
        {
            return publish.BulkPublishEventAsync(context, path[3], Rest(path, 4));
        }

        if (path.Count >= 2 && path[0] == V1)
        {
            switch (path[1])
            {
                case "publish" when write && path.Count >= 4:
                    return publish.PublishEventAsync(context, path[2], Rest(path, 3));
                case "publish" when write && path.Count == 3:
                    throw ApiErrors.TopicEmpty(path[2]);
                case "publish" when write:
                    throw ApiErrors.PubSubNameEmpty();
                case "bindings" when write && path.Count == 3:
                    return bindings.InvokeBindingAsync(context, path[2]);
                case "secrets" when HttpMethods.IsGet(method) && path.Count == 4 && path[3] == "bulk":
                    return secrets.GetBulkSecretAsync(context, path[2]);
                case "secrets" when HttpMethods.IsGet(method) && path.Count == 4:
                    return secrets.GetSecretAsync(context, path[2], path[3]);
                case "healthz" when HttpMethods.IsGet(method) && path.Count == 2:
                    health.GetHealthz(context);
                    return Task.CompletedTask;
                case "healthz" when HttpMethods.IsGet(method) && path.Count == 3 && path[2] == "outbound":
                    health.GetOutboundHealthz(context);
                    return Task.CompletedTask;
                case "metadata" when HttpMethods.IsGet(method) && path.Count == 2:
                    return metadata.GetMetadataAsync(context);
                case "metadata" when HttpMethods.IsPut(method) && path.Count == 3:
                    return metadata.SetMetadataAsync(context, path[2]);
                case "invoke" when path.Count >= 4 && path[3] == "method":
                    return invoke.InvokeServiceAsync(context, path, path[2], methodStart: 4);
                case "shutdown" when HttpMethods.IsPost(method) && path.Count == 2:
                    Shutdown(context);
                    return Task.CompletedTask;
            }
        }

        return FallbackAsync(context, path);
    }

    /// <summary>daprd's fallback for a route it does not know: service invocation through the <c>dapr-app-id</c> header, when the invoke API is enabled.</summary>
    private Task FallbackAsync(HttpContext context, ApiPath path) =>
        apis.ServesHttpInvocationFallback
            ? invoke.InvokeServiceAsync(context, path, urlAppId: null, methodStart: 0)
            : throw ApiErrors.EndpointNotAvailable();

    /// <summary>The decoded segments from <paramref name="start"/> on, joined by '/': a topic may contain slashes.</summary>
    private static string Rest(ApiPath path, int start) => string.Join('/', path.Segments.Skip(start));

    /// <summary>The state routes; null when the verb and shape match none of them.</summary>
    private Task? DispatchState(HttpContext context, ApiPath path, string method)
    {
        var write = HttpMethods.IsPost(method) || HttpMethods.IsPut(method);
        return path.Count switch
        {
            3 when write => state.SaveStateAsync(context, path[2]),
            4 when HttpMethods.IsGet(method) => state.GetStateAsync(context, path[2], path[3]),
            4 when HttpMethods.IsDelete(method) => state.DeleteStateAsync(context, path[2], path[3]),
            4 when write && path[3] == "bulk" => state.GetBulkStateAsync(context, path[2]),
            4 when write && path[3] == "transaction" => state.ExecuteStateTransactionAsync(context, path[2]),
            _ => null,
        };
    }

    /// <summary>
    /// <c>POST /v1.0/shutdown</c>: answers 204 first, then stops gracefully. With
    /// <c>dapr-force-shutdown: true</c> the process exits with code 1, as daprd does.
    /// </summary>
    private void Shutdown(HttpContext context)
    {
        var force = string.Equals(context.Request.Headers["dapr-force-shutdown"], "true", StringComparison.OrdinalIgnoreCase);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        shutdown.AfterResponse(context, force);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1500, Level = LogLevel.Error, Message = "Unhandled error serving {Method} {Path}")]
        public static partial void Unhandled(ILogger logger, string method, PathString path, Exception exception);

        [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "HTTP API called: {Method} {Path} -> {StatusCode}")]
        public static partial void ApiCall(ILogger logger, string method, string path, int statusCode);
    }
}
