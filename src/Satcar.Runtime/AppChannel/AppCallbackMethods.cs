using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Satcar.Runtime.Api.Grpc;

namespace Satcar.Runtime.AppChannel;

/// <summary>
/// Client descriptors for the services a gRPC app serves (<c>dapr.proto.runtime.v1.AppCallback</c> and
/// <c>AppCallbackHealthCheck</c>), made from the <c>Dapr.Protos</c> message types: the package ships
/// only server bases for them.
/// </summary>
internal static class AppCallbackMethods
{
    public const string Service = "dapr.proto.runtime.v1.AppCallback";
    public const string HealthService = "dapr.proto.runtime.v1.AppCallbackHealthCheck";

    public static readonly Method<InvokeRequest, InvokeResponse> OnInvoke = GrpcMethods.Unary<InvokeRequest, InvokeResponse>(Service, "OnInvoke");

    public static readonly Method<Empty, ListTopicSubscriptionsResponse> ListTopicSubscriptions =
        GrpcMethods.Unary<Empty, ListTopicSubscriptionsResponse>(Service, "ListTopicSubscriptions");

    public static readonly Method<TopicEventRequest, TopicEventResponse> OnTopicEvent =
        GrpcMethods.Unary<TopicEventRequest, TopicEventResponse>(Service, "OnTopicEvent");

    public static readonly Method<Empty, ListInputBindingsResponse> ListInputBindings =
        GrpcMethods.Unary<Empty, ListInputBindingsResponse>(Service, "ListInputBindings");

    public static readonly Method<BindingEventRequest, BindingEventResponse> OnBindingEvent =
        GrpcMethods.Unary<BindingEventRequest, BindingEventResponse>(Service, "OnBindingEvent");

    public static readonly Method<Empty, HealthCheckResponse> HealthCheck = GrpcMethods.Unary<Empty, HealthCheckResponse>(HealthService, "HealthCheck");
}
