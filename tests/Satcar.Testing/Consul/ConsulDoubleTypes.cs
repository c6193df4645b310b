using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace Satcar.Testing.Consul;

/// <summary>How a <see cref="ConsulDouble"/> starts.</summary>
public sealed record ConsulDoubleOptions
{
    /// <summary>The agent's node name; its services are registered on it.</summary>
    public string NodeName { get; init; } = "consul-double";

    /// <summary>The agent's node address, which instances without a Service.Address resolve to.</summary>
    public string NodeAddress { get; init; } = "127.0.0.1";

    public string Datacenter { get; init; } = "dc1";

    /// <summary>When set, ACLs are on with a default-deny policy and this is the only token that may do anything.</summary>
    public string? AclToken { get; init; }

    /// <summary>When set, every path is served under this prefix (<c>/consul</c> serves <c>/consul/v1/…</c>), as behind a proxy.</summary>
    public string? PathPrefix { get; init; }

    /// <summary>When set, the double speaks HTTPS with this certificate.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>The clock for TTLs, check intervals, reaping and blocking waits.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How often the double looks for due checks, expired TTLs and services to reap.</summary>
    public TimeSpan CheckTick { get; init; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>Consul's check states.</summary>
public static class ConsulHealth
{
    public const string Passing = "passing";
    public const string Warning = "warning";
    public const string Critical = "critical";
}

/// <summary>One request the double received.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path below the configured prefix, such as <c>/v1/health/service/orders</c>.</param>
/// <param name="Query">The query parameters; repeated ones are joined with commas, flags such as <c>cached</c> have an empty value.</param>
/// <param name="Token">The ACL token from <c>X-Consul-Token</c>, <c>Authorization: Bearer</c> or <c>?token=</c>, or null.</param>
/// <param name="Body">The request body as text.</param>
/// <param name="Headers">The request headers.</param>
public sealed record ConsulRecordedRequest(
    string Method, string Path, IReadOnlyDictionary<string, string> Query, string? Token, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public bool HasQuery(string name) => Query.ContainsKey(name);

    /// <summary>A blocking query: one with an <c>index</c> above 0.</summary>
    public bool IsBlocking => Query.TryGetValue("index", out var index) && index is not ("" or "0");
}

/// <summary>A registered service as the double holds it.</summary>
/// <param name="Registration">The registration body exactly as received.</param>
public sealed record ConsulServiceSnapshot(
    string Node, string Id, string Name, string Address, int Port, IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, string> Meta, JsonObject Registration);

/// <summary>A check as the double holds it.</summary>
public sealed record ConsulCheckSnapshot(
    string Node, string CheckId, string Name, string Status, string Output, string ServiceId, string ServiceName, string Type,
    string? Http, string? Interval, string? Ttl, string? DeregisterCriticalServiceAfter, string Notes);
