using System.Text.Json;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.PubSub;

namespace Satcar.Runtime.AppChannel;

/// <summary>
/// The calls the satcar makes to its app outside service invocation, in the app's protocol: HTTP
/// (<c>GET /dapr/subscribe</c>, <c>POST /{route}</c>, <c>OPTIONS</c>, the health path) or gRPC
/// (<c>AppCallback</c>, <c>AppCallbackHealthCheck</c>). Each method is one attempt that turns what the
/// app answered into a value; retries, timeouts, health thresholds and what an outcome leads to stay
/// with the callers, the same for both protocols. A cancelled token surfaces as <see cref="OperationCanceledException"/>.
/// </summary>
public interface IAppCallback
{
    /// <summary>The app's programmatic subscriptions, none when it has no such endpoint.</summary>
    Task<AppSubscriptions> ListTopicSubscriptionsAsync(CancellationToken cancellationToken);

    /// <summary>Delivers one event on the path its subscription routed it to.</summary>
    /// <param name="spec">The subscription.</param>
    /// <param name="path">The routed path.</param>
    /// <param name="body">The CloudEvent as JSON bytes.</param>
    /// <param name="cloudEvent">The same CloudEvent, parsed.</param>
    /// <param name="delivery">The broker's message, whose metadata goes along.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<TopicEventResult> OnTopicEventAsync(
        SubscriptionSpec spec, string path, byte[] body, JsonElement cloudEvent, PubSubDelivery delivery, CancellationToken cancellationToken);

    /// <summary>Whether the app wants the events of an input binding: true, false, or null when it cannot be asked.</summary>
    Task<BindingSubscription> IsSubscribedToBindingAsync(string name, string route, CancellationToken cancellationToken);

    /// <summary>Delivers one input binding event; null when the app took it, else why not.</summary>
    Task<string?> OnBindingEventAsync(string name, string route, BindingEvent bindingEvent, CancellationToken cancellationToken);

    /// <summary>One health probe within <paramref name="timeout"/>: whether it passed, and what it saw.</summary>
    Task<(bool Healthy, string Output)> HealthCheckAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>What the app said about its subscriptions: the list (with problems found in it), or why it could not be read.</summary>
public sealed record AppSubscriptions(IReadOnlyList<SubscriptionSpec> Subscriptions, IReadOnlyList<string> Problems, string? Failure = null)
{
    public static AppSubscriptions Failed(string reason) => new([], [], reason);
}

/// <summary>The fate the app chose for an event, and why (for logs).</summary>
public readonly record struct TopicEventResult(TopicEventOutcome Outcome, string Reason);

public enum TopicEventOutcome
{
    /// <summary>Acknowledge the event.</summary>
    Success,

    /// <summary>Try again, then leave it to the dead-letter topic or the broker.</summary>
    Retry,

    /// <summary>Drop it (to the dead-letter topic when there is one).</summary>
    Drop,
}

/// <summary>Whether the app subscribed to an input binding (null: it could not be asked), and what it answered.</summary>
public readonly record struct BindingSubscription(bool? Subscribed, string Detail);
