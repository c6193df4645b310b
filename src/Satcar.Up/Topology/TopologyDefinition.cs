namespace Satcar.Up.Topology;

/// <summary>
/// A topology file after reading and validation: every path absolute, every default applied, every
/// explicit port checked. Ports left out are still null here; the launch plan picks free ones.
/// </summary>
internal sealed record TopologyDefinition
{
    /// <summary>The topology file, absolute.</summary>
    public required string FilePath { get; init; }

    /// <summary>The folder relative paths in the file are resolved against: the file's own folder.</summary>
    public required string BaseDirectory { get; init; }

    /// <summary>The run's home folder (<c>SATCAR_HOME</c>, the satcars' working folder); null for a fresh temporary one.</summary>
    public string? Home { get; init; }

    public RedisDefinition? Redis { get; init; }

    public required IReadOnlyList<AppDefinition> Apps { get; init; }
}

/// <summary>One app: its own process (optional), its satcar, and its link (optional).</summary>
internal sealed record AppDefinition
{
    public required string AppId { get; init; }

    /// <summary>Where in the file the app is, such as <c>apps[1]</c>, for messages.</summary>
    public required string Field { get; init; }

    public required string AppDirPath { get; init; }

    /// <summary>The loopback address the app listens on: the app's "host".</summary>
    public required string AppAddress { get; init; }

    public int? AppPort { get; init; }

    public required string AppProtocol { get; init; }

    /// <summary>The app's command, executable first; empty when satcar up only runs the app's satcar and link.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>A command run to completion in <see cref="AppDirPath"/> before anything starts; empty for none.</summary>
    public required IReadOnlyList<string> Build { get; init; }

    public required IReadOnlyDictionary<string, string> Env { get; init; }

    public required IReadOnlyList<string> ResourcesPaths { get; init; }

    public required IReadOnlyList<string> ConfigFiles { get; init; }

    public required string LogLevel { get; init; }

    public bool EnableApiLogging { get; init; }

    /// <summary>Give the satcar a random API token for this run (the link adds it to every call).</summary>
    public bool ApiToken { get; init; }

    public required AppHealthDefinition AppHealth { get; init; }

    /// <summary>How long each of the app's processes may take to become healthy.</summary>
    public required TimeSpan StartTimeout { get; init; }

    public required SatcarDefinition Satcar { get; init; }

    /// <summary>Null when the app talks to its satcar directly (<c>link: false</c>).</summary>
    public LinkDefinition? Link { get; init; }
}

/// <summary>The satcar's app health check, passed through as <c>satcar run</c> flags.</summary>
internal sealed record AppHealthDefinition
{
    public bool Enabled { get; init; }

    public string? Path { get; init; }

    public int? ProbeIntervalSeconds { get; init; }

    public int? ProbeTimeoutMilliseconds { get; init; }

    public int? Threshold { get; init; }
}

/// <summary>An app's satcar: the address it binds to stands for its own host.</summary>
internal sealed record SatcarDefinition
{
    public required string Address { get; init; }

    public int? HttpPort { get; init; }

    public int? PeerPort { get; init; }

    /// <summary>The Dapr gRPC API port; null picks a free one.</summary>
    public int? GrpcPort { get; init; }

    public required IReadOnlyList<string> Args { get; init; }

    public required IReadOnlyDictionary<string, string> Env { get; init; }
}

/// <summary>An app's link: the app's local Dapr port, forwarding to its satcar.</summary>
internal sealed record LinkDefinition
{
    public required string Address { get; init; }

    public int? Port { get; init; }

    /// <summary>The app's gRPC port on the link (<c>DAPR_GRPC_PORT</c>); null picks a free one.</summary>
    public int? GrpcPort { get; init; }

    public required IReadOnlyList<string> Args { get; init; }
}

/// <summary>A redis-server that satcar up starts first, without persistence.</summary>
internal sealed record RedisDefinition
{
    public required string Address { get; init; }

    public required int Port { get; init; }

    public required string Command { get; init; }

    public required IReadOnlyList<string> Args { get; init; }

    public required TimeSpan StartTimeout { get; init; }
}
