using System.Text.Json;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Invocation;
using Satcar.Runtime.PubSub;
using GrpcMetadata = Grpc.Core.Metadata;

namespace Satcar.Runtime.AppChannel;

/// <summary>
/// The app callbacks of a gRPC app, as daprd makes them (<c>pkg/runtime/pubsub</c>,
/// <c>pkg/runtime/processor/binding</c>, <c>pkg/channel/grpc</c>): <c>ListTopicSubscriptions</c>
/// (Unimplemented means none), <c>OnTopicEvent</c> (status SUCCESS, RETRY or DROP; Unimplemented drops
/// the event without a dead letter; any other error retries), <c>ListInputBindings</c> (asked once;
/// Unimplemented means none), <c>OnBindingEvent</c> (an error is the binding's error) and
/// <c>AppCallbackHealthCheck/HealthCheck</c> (any error, Unimplemented included, is unhealthy).
/// Every call but the health check carries <c>APP_API_TOKEN</c> as <c>dapr-api-token</c> metadata.
/// A call cancelled by its token surfaces as <see cref="OperationCanceledException"/>, as with HTTP.
/// </summary>
public sealed partial class GrpcAppCallback(AppChannel channel, ILogger<GrpcAppCallback> logger) : IAppCallback, IDisposable
{
    private readonly CallInvoker _invoker = channel.Grpc ?? throw new InvalidOperationException("the app channel is not gRPC");
    private readonly SemaphoreSlim _bindingsGate = new(1, 1);
    private HashSet<string>? _inputBindings;
    private int _bindingResponseNoted;

    public async Task<AppSubscriptions> ListTopicSubscriptionsAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await _invoker.AsyncUnaryCall(AppCallbackMethods.ListTopicSubscriptions, null, Options(cancellationToken), new Empty());
            var problems = new List<string>();
            return new AppSubscriptions(GrpcTopicEvents.Subscriptions(response, problems), problems);
        }
        catch (RpcException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Status.Detail, e, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            return new AppSubscriptions([], []);
        }
        catch (RpcException e)
        {
            return AppSubscriptions.Failed(Describe(e));
        }
    }

    public async Task<TopicEventResult> OnTopicEventAsync(
        SubscriptionSpec spec, string path, byte[] body, JsonElement cloudEvent, PubSubDelivery delivery, CancellationToken cancellationToken)
    {
        if (GrpcTopicEvents.Request(cloudEvent, spec.PubSubName, spec.Topic, path, out var problem) is not { } request)
        {
            return new(TopicEventOutcome.Retry, problem!);
        }

        // daprd passes the broker message's metadata along as gRPC metadata.
        var headers = new GrpcMetadata();
        foreach (var (name, value) in delivery.Metadata)
        {
            if (!name.Equals(AppForwarder.ApiTokenHeader, StringComparison.OrdinalIgnoreCase))
            {
                AddText(headers, name, value);
            }
        }

        AddText(headers, "pubsubname", spec.PubSubName);
        if (cloudEvent.TryGetProperty("traceparent", out var traceParent) && traceParent.ValueKind == JsonValueKind.String)
        {
            AddText(headers, "traceparent", traceParent.GetString()!);
        }

        try
        {
            var response = await _invoker.AsyncUnaryCall(AppCallbackMethods.OnTopicEvent, null, Options(cancellationToken, headers), request);
            return response.Status switch
            {
                TopicEventResponse.Types.TopicEventResponseStatus.Success => new(TopicEventOutcome.Success, ""),
                TopicEventResponse.Types.TopicEventResponseStatus.Retry => new(TopicEventOutcome.Retry, "the app answered RETRY"),
                TopicEventResponse.Types.TopicEventResponseStatus.Drop => new(TopicEventOutcome.Drop, "the app answered DROP"),
                var other => new(TopicEventOutcome.Retry, $"the app answered the unknown status {(int)other}"),
            };
        }
        catch (RpcException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Status.Detail, e, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            // daprd acknowledges the event: it is dropped, and not sent to a dead-letter topic.
            Log.TopicEventUnimplemented(logger, spec.PubSubName, spec.Topic, request.Id, e.Status.Detail);
            return new(TopicEventOutcome.Success, "");
        }
        catch (RpcException e)
        {
            return new(TopicEventOutcome.Retry, Describe(e));
        }
    }

    /// <summary>daprd asks <c>ListInputBindings</c> once and keeps the answer; only the bindings it names are read.</summary>
    public async Task<BindingSubscription> IsSubscribedToBindingAsync(string name, string route, CancellationToken cancellationToken)
    {
        await _bindingsGate.WaitAsync(cancellationToken);
        try
        {
            if (_inputBindings is null)
            {
                try
                {
                    var response = await _invoker.AsyncUnaryCall(AppCallbackMethods.ListInputBindings, null, Options(cancellationToken), new Empty());
                    _inputBindings = new HashSet<string>(response.Bindings, StringComparer.Ordinal);
                }
                catch (RpcException e) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(e.Status.Detail, e, cancellationToken);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
                {
                    _inputBindings = [];
                }
                catch (RpcException e)
                {
                    return new(null, $"ListInputBindings failed: {Describe(e)}");
                }
            }

            return _inputBindings.Contains(name)
                ? new(true, "ListInputBindings names it")
                : new(false, "ListInputBindings does not name it");
        }
        finally
        {
            _bindingsGate.Release();
        }
    }

    public async Task<string?> OnBindingEventAsync(string name, string route, BindingEvent bindingEvent, CancellationToken cancellationToken)
    {
        var request = new BindingEventRequest { Name = name, Data = ByteString.CopyFrom(bindingEvent.Data.Span) };
        foreach (var (key, value) in bindingEvent.Metadata)
        {
            request.Metadata[key] = value;
        }

        try
        {
            var response = await _invoker.AsyncUnaryCall(AppCallbackMethods.OnBindingEvent, null, Options(cancellationToken), request);
            if ((response.To.Count > 0 || response.States.Count > 0) && Interlocked.Exchange(ref _bindingResponseNoted, 1) == 0)
            {
                Log.BindingResponseIgnored(logger, name);
            }

            return null;
        }
        catch (RpcException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Status.Detail, e, cancellationToken);
        }
        catch (RpcException e)
        {
            return Describe(e);
        }
    }

    public async Task<(bool Healthy, string Output)> HealthCheckAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _invoker.AsyncUnaryCall(
                AppCallbackMethods.HealthCheck, null, new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken), new Empty());
            return (true, "HealthCheck: OK");
        }
        catch (RpcException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Status.Detail, e, cancellationToken);
        }
        catch (RpcException e)
        {
            return (false, $"HealthCheck: {Describe(e)}");
        }
    }

    private CallOptions Options(CancellationToken cancellationToken, GrpcMetadata? headers = null)
    {
        headers ??= [];
        if (channel.AppApiToken is { } token)
        {
            headers.Add(AppForwarder.ApiTokenHeader, token);
        }

        return new CallOptions(headers, cancellationToken: cancellationToken);
    }

    /// <summary>Adds a text entry when its key is valid gRPC metadata and not reserved; others cannot be sent.</summary>
    internal static void AddText(GrpcMetadata headers, string name, string value)
    {
        var key = name.ToLowerInvariant();
        if (key.Length == 0 || key.StartsWith("grpc-", StringComparison.Ordinal) || key.EndsWith(GrpcMetadata.BinaryHeaderSuffix, StringComparison.Ordinal)
            || !key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.')
            || !value.All(c => c is >= ' ' and <= '~'))
        {
            return;
        }

        headers.Add(key, value);
    }

    public void Dispose() => _bindingsGate.Dispose();

    private static string Describe(RpcException e) => $"{e.StatusCode}: {e.Status.Detail}";

    private static partial class Log
    {
        [LoggerMessage(EventId = 1630, Level = LogLevel.Warning, Message = "Event {MessageId} on {PubSubName}/{Topic} is dropped: the app does not implement OnTopicEvent ({Detail})")]
        public static partial void TopicEventUnimplemented(ILogger logger, string pubSubName, string topic, string messageId, string detail);

        [LoggerMessage(EventId = 1631, Level = LogLevel.Warning, Message = "Input binding {BindingName}: the app's OnBindingEvent answer names output bindings or state to save; satcar does not act on them")]
        public static partial void BindingResponseIgnored(ILogger logger, string bindingName);
    }
}
