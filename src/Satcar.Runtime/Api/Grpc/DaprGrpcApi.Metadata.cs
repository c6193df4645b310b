using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Satcar.Runtime.Metadata;

namespace Satcar.Runtime.Api.Grpc;

/// <summary>Metadata and lifecycle: GetMetadata, SetMetadata, Shutdown.</summary>
internal sealed partial class DaprGrpcApi
{
    public Task<GetMetadataResponse> GetMetadataAsync(GetMetadataRequest request, ServerCallContext call)
    {
        var response = new GetMetadataResponse
        {
            Id = metadata.AppId,
            RuntimeVersion = MetadataService.RuntimeVersion,
            ActorRuntime = new ActorRuntime { RuntimeStatus = ActorRuntime.Types.ActorRuntimeStatus.Disabled },
        };
        response.EnabledFeatures.Add(metadata.EnabledFeatures);
        foreach (var component in metadata.Components)
        {
            var registered = new RegisteredComponents
            {
                Name = component.Resource.Name,
                Type = component.Resource.Type,
                Version = component.Resource.Version,
            };
            registered.Capabilities.Add(component.Capabilities);
            response.RegisteredComponents.Add(registered);
        }

        foreach (var subscription in metadata.Subscriptions)
        {
            var rules = new PubsubSubscriptionRules();
            rules.Rules.Add(subscription.Rules.Select(rule => new PubsubSubscriptionRule { Match = rule.Match, Path = rule.Path }));
            if (subscription.DefaultPath is { } path)
            {
                rules.Rules.Add(new PubsubSubscriptionRule { Match = "", Path = path });
            }

            var entry = new PubsubSubscription
            {
                PubsubName = subscription.PubSubName,
                Topic = subscription.Topic,
                Rules = rules,
                DeadLetterTopic = subscription.DeadLetterTopic ?? "",
                Type = subscription.Type == "DECLARATIVE" ? PubsubSubscriptionType.Declarative : PubsubSubscriptionType.Programmatic,
            };
            AddAll(entry.Metadata, subscription.Metadata);
            response.Subscriptions.Add(entry);
        }

        AddAll(response.ExtendedMetadata, metadata.Extended);
        if (metadata.App is { } app)
        {
            response.AppConnectionProperties = new AppConnectionProperties
            {
                Port = app.Port,
                Protocol = app.Protocol,
                ChannelAddress = app.ChannelAddress,
                Health = app.Health is { } health
                    ? new AppConnectionHealthProperties
                    {
                        HealthCheckPath = health.Path,
                        HealthProbeInterval = MetadataService.FormatInterval(health.ProbeInterval),
                        HealthProbeTimeout = MetadataService.FormatTimeout(health.ProbeTimeout),
                        HealthThreshold = health.Threshold,
                    }
                    : null,
            };
        }

        return Task.FromResult(response);
    }

    public Task<Empty> SetMetadataAsync(SetMetadataRequest request, ServerCallContext call)
    {
        metadata.SetExtended(request.Key, request.Value);
        return Task.FromResult(s_empty);
    }

    /// <summary>Answers first, then stops gracefully, as the HTTP <c>POST /v1.0/shutdown</c> does.</summary>
    public Task<Empty> ShutdownAsync(ShutdownRequest request, ServerCallContext call)
    {
        shutdown.AfterResponse(call.GetHttpContext(), force: false);
        return Task.FromResult(s_empty);
    }
}
