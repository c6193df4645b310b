using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.Invocation;
using Satcar.Runtime.PubSub;

namespace Satcar.Runtime.AppChannel;

/// <summary>
/// The app callbacks of an HTTP app, as daprd makes them: <c>GET /dapr/subscribe</c> (404 means none),
/// each event as <c>POST {path}</c> with <c>application/cloudevents+json</c> (2xx with an optional
/// <c>{"status"}</c>, 404 drops), input bindings as <c>OPTIONS /{route}</c> (2xx or 405 subscribes) and
/// <c>POST /{route}</c> (2xx takes the event), and <c>GET {--app-health-check-path}</c> as the health probe.
/// Every call but the probe carries <c>APP_API_TOKEN</c>.
/// </summary>
public sealed partial class HttpAppCallback(AppChannel channel, SatcarOptions options, ILogger<HttpAppCallback> logger) : IAppCallback
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    public async Task<AppSubscriptions> ListTopicSubscriptionsAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(channel.DestinationPrefix + "/dapr/subscribe", UriKind.Absolute));
        AddAppToken(request);
        try
        {
            using var response = await channel.Invoker.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return new AppSubscriptions([], []);
            }

            if (!response.IsSuccessStatusCode)
            {
                return AppSubscriptions.Failed($"status {(int)response.StatusCode}");
            }

            var problems = new List<string>();
            var subscriptions = ProgrammaticSubscriptions.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken), problems);
            return new AppSubscriptions(subscriptions, problems);
        }
        catch (HttpRequestException e)
        {
            return AppSubscriptions.Failed(e.Message);
        }
    }

    public async Task<TopicEventResult> OnTopicEventAsync(
        SubscriptionSpec spec, string path, byte[] body, JsonElement cloudEvent, PubSubDelivery delivery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(channel.DestinationPrefix + path, UriKind.Absolute))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(CloudEvents.ContentType);
        foreach (var (name, value) in delivery.Metadata)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation("pubsubname", spec.PubSubName);
        // A traceparent that is not a string (a poison event, Dapr 1.18.3) is simply not forwarded.
        if (cloudEvent.TryGetProperty("traceparent", out var traceParent) && traceParent.ValueKind == JsonValueKind.String)
        {
            request.Headers.Remove("traceparent");
            request.Headers.TryAddWithoutValidation("traceparent", traceParent.GetString());
        }

        AddAppToken(request);
        try
        {
            using var response = await channel.Invoker.SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return new(TopicEventOutcome.Drop, "the app answered 404");
            }

            if (status is < 200 or > 299)
            {
                return new(TopicEventOutcome.Retry, $"the app answered {status}");
            }

            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            // daprd counts an empty status as SUCCESS (`case "": fallthrough`); any other unknown one is retried.
            return StatusOf(answer) switch
            {
                null or "" or "SUCCESS" => new(TopicEventOutcome.Success, ""),
                "DROP" => new(TopicEventOutcome.Drop, "the app answered DROP"),
                "RETRY" => new(TopicEventOutcome.Retry, "the app answered RETRY"),
                var other => new(TopicEventOutcome.Retry, $"the app answered the unknown status '{other}'"),
            };
        }
        catch (HttpRequestException e)
        {
            return new(TopicEventOutcome.Retry, e.Message);
        }
    }

    public async Task<BindingSubscription> IsSubscribedToBindingAsync(string name, string route, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, BindingTarget(route));
        AddAppToken(request);
        try
        {
            using var response = await channel.Invoker.SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            return new(status is >= 200 and < 300 or 405, $"OPTIONS answered {status}");
        }
        catch (HttpRequestException e)
        {
            return new(null, $"OPTIONS failed: {e.Message}");
        }
    }

    public async Task<string?> OnBindingEventAsync(string name, string route, BindingEvent bindingEvent, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, BindingTarget(route)) { Content = new ReadOnlyMemoryContent(bindingEvent.Data) };
        request.Content.Headers.ContentType = s_json;
        foreach (var (key, value) in bindingEvent.Metadata)
        {
            if (HeaderRules.IsToken(key) && HeaderRules.IsValue(value)
                && !key.Equals(AppForwarder.ApiTokenHeader, StringComparison.OrdinalIgnoreCase)
                && !request.Headers.TryAddWithoutValidation(key, value))
            {
                Log.HeaderSkipped(logger, name, key);
            }
        }

        AddAppToken(request);
        try
        {
            using var response = await channel.Invoker.SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 300 ? null : $"the app answered {status}";
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
    }

    /// <summary>A GET of the health path; it does not carry <c>APP_API_TOKEN</c>, as in daprd.</summary>
    public async Task<(bool Healthy, string Output)> HealthCheckAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(channel.DestinationPrefix + options.AppHealthCheckPath));
            using var response = await channel.Invoker.SendAsync(request, deadline.Token);
            var status = (int)response.StatusCode;
            return (status is >= 200 and < 300, $"GET {options.AppHealthCheckPath}: {status}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"GET {options.AppHealthCheckPath}: no answer within {timeout.TotalMilliseconds} ms");
        }
        catch (HttpRequestException e)
        {
            return (false, $"GET {options.AppHealthCheckPath}: {e.Message}");
        }
    }

    private Uri BindingTarget(string route) => new(channel.DestinationPrefix + "/" + route);

    private void AddAppToken(HttpRequestMessage request)
    {
        if (channel.AppApiToken is { } token)
        {
            request.Headers.Remove(AppForwarder.ApiTokenHeader);
            request.Headers.TryAddWithoutValidation(AppForwarder.ApiTokenHeader, token);
        }
    }

    private static string? StatusOf(byte[] answer)
    {
        if (answer.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(answer);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("status", out var status)
                && status.ValueKind == JsonValueKind.String
                    ? status.GetString()
                    : null;
        }
        catch (JsonException)
        {
            // daprd treats an answer it cannot parse as success.
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1859, Level = LogLevel.Debug, Message = "Input binding {BindingName}: event metadata '{Key}' cannot be sent as a request header and is left out")]
        public static partial void HeaderSkipped(ILogger logger, string bindingName, string key);
    }
}
