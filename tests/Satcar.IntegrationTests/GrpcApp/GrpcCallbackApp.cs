using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using GrpcMetadata = Grpc.Core.Metadata;
using GrpcStatus = Grpc.Core.Status;

namespace Satcar.IntegrationTests.GrpcApp;

/// <summary>
/// A gRPC app as the Dapr SDKs build one: Kestrel serving HTTP/2 without TLS on a loopback port the OS
/// picks, with Dapr.Protos' generated <c>AppCallback</c> and <c>AppCallbackHealthCheck</c> server bases.
/// It records every call (message and metadata) and answers as the tests ask:
/// <list type="bullet">
/// <item><c>OnInvoke</c>: <c>echo</c> returns the data and content type with a header <c>x-app</c>; <c>fail/{code}</c>
/// throws that status (with an <c>ErrorInfo</c> detail); <c>typed</c> returns a packed <c>StringValue</c>.</item>
/// <item><c>OnTopicEvent</c>: <c>data.behavior</c> decides (SUCCESS, RETRY, DROP, error, unimplemented).</item>
/// <item><c>ListInputBindings</c> names only <c>listed</c>; <c>HealthCheck</c> fails while <see cref="Healthy"/> is false.</item>
/// </list>
/// </summary>
public sealed class GrpcCallbackApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcCallbackApp(WebApplication app, Recordings recorder)
    {
        _app = app;
        Recorder = recorder;
    }

    public Recordings Recorder { get; }

    public int Port { get; private set; }

    public bool Healthy
    {
        get => Recorder.Healthy;
        set => Recorder.Healthy = value;
    }

    public static async Task<GrpcCallbackApp> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var recorder = new Recordings();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(recorder);
        var app = builder.Build();
        app.MapGrpcService<CallbackService>();
        app.MapGrpcService<HealthService>();
        await app.StartAsync();
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new GrpcCallbackApp(app, recorder) { Port = bound.Port };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Everything the app received.</summary>
    public sealed class Recordings
    {
        private volatile bool _healthy = true;

        public bool Healthy
        {
            get => _healthy;
            set => _healthy = value;
        }

        public ConcurrentQueue<(InvokeRequest Request, Dictionary<string, string> Metadata)> Invocations { get; } = new();

        public ConcurrentQueue<(TopicEventRequest Request, Dictionary<string, string> Metadata)> Events { get; } = new();

        public ConcurrentQueue<(BindingEventRequest Request, Dictionary<string, string> Metadata)> BindingEvents { get; } = new();

        public ConcurrentQueue<(string Method, Dictionary<string, string> Metadata)> Calls { get; } = new();

        /// <summary>The events on a topic whose data carries <paramref name="id"/>.</summary>
        public IReadOnlyList<TopicEventRequest> EventsWith(string topic, string id) =>
            [.. Events.Select(e => e.Request).Where(e => e.Topic == topic && e.Data.ToStringUtf8().Contains(id, StringComparison.Ordinal))];

        /// <summary>Waits until <paramref name="condition"/> holds, for up to <paramref name="seconds"/>.</summary>
        public static async Task WaitAsync(Func<bool> condition, string what, int seconds = 20)
        {
            var deadline = DateTime.UtcNow.AddSeconds(seconds);
            while (!condition())
            {
                Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within {seconds} s");
                await Task.Delay(50);
            }
        }

        internal static Dictionary<string, string> Flatten(ServerCallContext context) =>
            context.RequestHeaders.Where(e => !e.IsBinary).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => string.Join(",", g.Select(e => e.Value)));
    }

    private sealed class CallbackService(Recordings recorder) : AppCallback.AppCallbackBase
    {
        public override async Task<InvokeResponse> OnInvoke(InvokeRequest request, ServerCallContext context)
        {
            recorder.Invocations.Enqueue((request, Recordings.Flatten(context)));
            if (request.Method.StartsWith("fail/", StringComparison.Ordinal))
            {
                var code = (StatusCode)int.Parse(request.Method["fail/".Length..], System.Globalization.CultureInfo.InvariantCulture);
                var details = new Google.Rpc.Status { Code = (int)code, Message = "the app says no" };
                details.Details.Add(Any.Pack(new Google.Rpc.ErrorInfo { Reason = "APP_REFUSED", Domain = "example.com" }));
                throw new RpcException(new GrpcStatus(code, "the app says no"), new GrpcMetadata { { "grpc-status-details-bin", details.ToByteArray() } });
            }

            if (request.Method == "typed")
            {
                return new InvokeResponse { Data = Any.Pack(new StringValue { Value = "packed" }) };
            }

            await context.WriteResponseHeadersAsync(new GrpcMetadata { { "x-app", "grpc" } });
            return new InvokeResponse { Data = request.Data, ContentType = request.ContentType };
        }

        public override Task<ListTopicSubscriptionsResponse> ListTopicSubscriptions(Empty request, ServerCallContext context)
        {
            recorder.Calls.Enqueue(("ListTopicSubscriptions", Recordings.Flatten(context)));
            var response = new ListTopicSubscriptionsResponse();
            response.Subscriptions.Add(new TopicSubscription
            {
                PubsubName = "pubsub",
                Topic = "orders",
                Metadata = { ["owner"] = "grpc-app" },
                Routes = new TopicRoutes
                {
                    Rules = { new TopicRule { Match = "event.type == \"special\"", Path = "special" } },
                    Default = "orders",
                },
            });
            response.Subscriptions.Add(new TopicSubscription { PubsubName = "pubsub", Topic = "plain" });
            response.Subscriptions.Add(new TopicSubscription
            {
                PubsubName = "pubsub",
                Topic = "contract",
                Routes = new TopicRoutes { Default = "contract" },
                DeadLetterTopic = "contract-dead",
            });
            response.Subscriptions.Add(new TopicSubscription { PubsubName = "pubsub", Topic = "contract-dead", Routes = new TopicRoutes { Default = "dead" } });
            return Task.FromResult(response);
        }

        public override Task<TopicEventResponse> OnTopicEvent(TopicEventRequest request, ServerCallContext context)
        {
            recorder.Events.Enqueue((request, Recordings.Flatten(context)));
            if (request.Topic != "contract")
            {
                return Task.FromResult(new TopicEventResponse());
            }

            using var data = JsonDocument.Parse(request.Data.Memory);
            var behavior = data.RootElement.GetProperty("behavior").GetString();
            return behavior switch
            {
                "error" => throw new RpcException(new GrpcStatus(StatusCode.Internal, "the app failed")),
                "unimplemented" => throw new RpcException(new GrpcStatus(StatusCode.Unimplemented, "not here")),
                _ => Task.FromResult(new TopicEventResponse { Status = System.Enum.Parse<TopicEventResponse.Types.TopicEventResponseStatus>(behavior!, ignoreCase: true) }),
            };
        }

        public override Task<ListInputBindingsResponse> ListInputBindings(Empty request, ServerCallContext context)
        {
            recorder.Calls.Enqueue(("ListInputBindings", Recordings.Flatten(context)));
            return Task.FromResult(new ListInputBindingsResponse { Bindings = { "listed" } });
        }

        public override Task<BindingEventResponse> OnBindingEvent(BindingEventRequest request, ServerCallContext context)
        {
            recorder.BindingEvents.Enqueue((request, Recordings.Flatten(context)));
            return Task.FromResult(new BindingEventResponse());
        }
    }

    private sealed class HealthService(Recordings recorder) : AppCallbackHealthCheck.AppCallbackHealthCheckBase
    {
        public override Task<HealthCheckResponse> HealthCheck(Empty request, ServerCallContext context)
        {
            recorder.Calls.Enqueue(("HealthCheck", Recordings.Flatten(context)));
            return recorder.Healthy
                ? Task.FromResult(new HealthCheckResponse())
                : throw new RpcException(new GrpcStatus(StatusCode.Unavailable, "not now"));
        }
    }
}
