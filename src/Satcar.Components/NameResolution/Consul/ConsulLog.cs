using Microsoft.Extensions.Logging;

namespace Satcar.Components.NameResolution.Consul;

/// <summary>The Consul resolver's log events (ids 2200–2299).</summary>
internal static partial class ConsulLog
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Consul name resolution uses {ConsulAddress}; registration: {Registration}; cache of healthy instances: {UseCache}")]
    public static partial void Ready(ILogger logger, string consulAddress, string registration, bool useCache);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "Registered service {ServiceId} ({ServiceName}) in Consul at {ConsulAddress} on attempt {Attempt}")]
    public static partial void Registered(ILogger logger, string serviceId, string serviceName, string consulAddress, int attempt);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Registering service {ServiceId} in Consul failed on attempt {Attempt}: {Reason}; retrying in {Delay}")]
    public static partial void RegistrationFailed(ILogger logger, string serviceId, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Information, Message = "Deregistered service {ServiceId} from Consul")]
    public static partial void Deregistered(ILogger logger, string serviceId);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Warning, Message = "Deregistering service {ServiceId} from Consul failed: {Reason}; its checks will reap it if they set DeregisterCriticalServiceAfter")]
    public static partial void DeregistrationFailed(ILogger logger, string serviceId, string reason);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Debug, Message = "Service {ServiceId} stays registered in Consul because selfDeregister is false")]
    public static partial void DeregistrationSkipped(ILogger logger, string serviceId);

    [LoggerMessage(EventId = 2206, Level = LogLevel.Debug, Message = "Consul instance {ServiceId} of app id {AppId} is skipped: its Service.Meta has no {MetaKey}")]
    public static partial void InstanceWithoutPort(ILogger logger, string serviceId, string appId, string metaKey);

    [LoggerMessage(EventId = 2217, Level = LogLevel.Debug, Message = "Consul instance {ServiceId} of app id {AppId} is skipped: its Service.Meta {MetaKey} is '{PortText}', not a port")]
    public static partial void InstanceWithBadPort(ILogger logger, string serviceId, string appId, string metaKey, string portText);

    [LoggerMessage(EventId = 2218, Level = LogLevel.Debug, Message = "Consul instance {ServiceId} of app id {AppId} is skipped: neither Service.Address nor Node.Address is set")]
    public static partial void InstanceWithoutAddress(ILogger logger, string serviceId, string appId);

    [LoggerMessage(EventId = 2207, Level = LogLevel.Warning, Message = "Watching app id {AppId} in Consul failed: {Reason}; cached instances are dropped and resolution asks Consul directly; retrying in {Delay}")]
    public static partial void WatchFailed(ILogger logger, string appId, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 2208, Level = LogLevel.Debug, Message = "Watching healthy instances of app id {AppId} with blocking queries (wait {Wait})")]
    public static partial void WatchStarted(ILogger logger, string appId, TimeSpan wait);

    [LoggerMessage(EventId = 2209, Level = LogLevel.Debug, Message = "Stopped watching app id {AppId}: not resolved for {EvictAfter}")]
    public static partial void WatchEvicted(ILogger logger, string appId, TimeSpan evictAfter);

    [LoggerMessage(EventId = 2210, Level = LogLevel.Warning, Message = "Publishing the app's health to Consul check {CheckId} failed: {Reason}")]
    public static partial void AppHealthPublishFailed(ILogger logger, string checkId, string reason);

    [LoggerMessage(EventId = 2211, Level = LogLevel.Debug, Message = "Published the app's health to Consul check {CheckId}: {Status}")]
    public static partial void AppHealthPublished(ILogger logger, string checkId, string status);

    [LoggerMessage(EventId = 2212, Level = LogLevel.Warning, Message = "Consul name resolution configuration: {Warning}")]
    public static partial void ConfigurationWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 2213, Level = LogLevel.Information, Message = "The satcar has no app port, so service {ServiceId} registers the peer port {PeerPort} as its Consul service port")]
    public static partial void PortFallsBackToPeerPort(ILogger logger, string serviceId, int peerPort);

    [LoggerMessage(EventId = 2214, Level = LogLevel.Warning, Message = "Consul hid instances of app id {AppId} from this satcar's ACL token (X-Consul-Results-Filtered-By-ACLs); give the token service:read and node:read")]
    public static partial void FilteredByAcls(ILogger logger, string appId);

    [LoggerMessage(EventId = 2215, Level = LogLevel.Debug, Message = "Service {ServiceId} was already gone from Consul at shutdown")]
    public static partial void AlreadyDeregistered(ILogger logger, string serviceId);

    [LoggerMessage(EventId = 2216, Level = LogLevel.Debug, Message = "The app's health is published to Consul check {CheckId} once the registration succeeds")]
    public static partial void AppHealthDeferred(ILogger logger, string checkId);
}
