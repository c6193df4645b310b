namespace Satcar.Components.NameResolution.Consul;

/// <summary>The resolver's fixed delays and limits; tests shorten them.</summary>
internal sealed record ConsulTimings
{
    public static readonly ConsulTimings Default = new();

    /// <summary>How long InitAsync waits for the first registration attempt before leaving it to the background.</summary>
    public TimeSpan InitialRegistrationWait { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan RegistrationBackoffInitial { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RegistrationBackoffMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The deadline of a call that does not block (register, resolve, check update).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The deadline of the deregistration on shutdown.</summary>
    public TimeSpan DeregisterTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The blocking wait of the cache's queries when neither queryOptions.waitTime nor client.waitTime is set.</summary>
    public TimeSpan DefaultWatchWait { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan WatchBackoffInitial { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan WatchBackoffMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The least time between two queries of one watch.</summary>
    public TimeSpan MinQueryInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a watch polls when Consul sends no X-Consul-Index, so cannot block.</summary>
    public TimeSpan PollIntervalWithoutIndex { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>An app id not resolved for this long stops being watched.</summary>
    public TimeSpan EvictAfter { get; init; } = TimeSpan.FromMinutes(10);
}
