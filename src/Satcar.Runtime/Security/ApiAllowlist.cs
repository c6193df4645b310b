using System.Text.Json;
using System.Text.Json.Nodes;
using Satcar.Runtime.Resources;

namespace Satcar.Runtime.Security;

/// <summary>
/// The Configuration's <c>spec.api.allowed</c> and <c>spec.api.denied</c>: which Dapr APIs the satcar serves
/// (https://docs.dapr.io/operations/configuration/api-allowlist/). Dapr's docs recommend an allowlist when the API
/// is exposed beyond the app, which is every satcar's case. daprd's rules, kept here:
/// <list type="bullet">
/// <item>Each rule is <c>{name, version, protocol}</c> and applies to its protocol only. No rule for a protocol
/// serves all of its APIs; with an allowlist only the listed APIs are served; a denied API is never served, also
/// when it is allowed too.</item>
/// <item>HTTP: a rule matches an API route when <c>version/route</c> starts with <c>version/name</c>
/// (<c>v1.0/state</c> covers <c>/v1.0/state/{store}/{key}</c>). The health endpoints are always served. A route that
/// is not served is as unknown as in daprd: it falls through to service invocation (the <c>dapr-app-id</c> header
/// form) when <c>invoke</c> <c>v1.0</c> is served.</item>
/// <item>gRPC: a rule names a group of RPCs, such as <c>state</c> <c>v1</c> (GetState, SaveState, …) or
/// <c>publish</c> <c>v1alpha1</c> (BulkPublishEventAlpha1); an RPC that is not served answers <c>Unimplemented</c>.</item>
/// </list>
/// Unlike daprd, which ignores a rule without a known protocol, such a rule stops the start: a rule that silently
/// does nothing would leave an API open that its author meant to close.
/// </summary>
public sealed class ApiAllowlist
{
    private const string Path = "spec.api";

    /// <summary>
    /// daprd's gRPC groups (<c>pkg/api/grpc/endpoints.go</c>) for the RPCs a satcar serves; the others answer
    /// <c>Unimplemented</c> whatever the rules say.
    /// </summary>
    private static readonly Dictionary<string, string> GrpcGroups = new(StringComparer.Ordinal)
    {
        ["InvokeService"] = "invoke/v1",
        ["GetState"] = "state/v1",
        ["GetBulkState"] = "state/v1",
        ["SaveState"] = "state/v1",
        ["DeleteState"] = "state/v1",
        ["DeleteBulkState"] = "state/v1",
        ["ExecuteStateTransaction"] = "state/v1",
        ["PublishEvent"] = "publish/v1",
        ["BulkPublishEvent"] = "publish/v1",
        ["BulkPublishEventAlpha1"] = "publish/v1alpha1",
        ["InvokeBinding"] = "bindings/v1",
        ["GetSecret"] = "secrets/v1",
        ["GetBulkSecret"] = "secrets/v1",
        ["GetMetadata"] = "metadata/v1",
        ["SetMetadata"] = "metadata/v1",
        ["Shutdown"] = "shutdown/v1",
    };

    private readonly Rules _http;
    private readonly Rules _grpc;

    private ApiAllowlist(Rules http, Rules grpc, IReadOnlyList<ApiAllowlistProblem> problems)
    {
        _http = http;
        _grpc = grpc;
        Problems = problems;
    }

    /// <summary>No rules: every API is served.</summary>
    public static ApiAllowlist AllowAll { get; } = new(Rules.None, Rules.None, []);

    /// <summary>What is wrong with <c>spec.api</c>, each naming its field; the satcar does not start with any.</summary>
    public IReadOnlyList<ApiAllowlistProblem> Problems { get; }

    /// <summary>Whether any HTTP rule is given; without one every HTTP route is served and nothing needs checking per request.</summary>
    public bool RestrictsHttp => _http.Allowed.Count > 0 || _http.Denied.Count > 0;

    /// <summary>Whether the HTTP API route <c>/{version}/{route}</c> is served (health checks always are).</summary>
    /// <param name="version">The first path segment, such as <c>v1.0</c> or <c>v1.0-alpha1</c>.</param>
    /// <param name="route">The rest of the path without its leading slash, such as <c>state/store/key</c>.</param>
    public bool ServesHttp(string version, string route) =>
        route == "healthz" || route.StartsWith("healthz/", StringComparison.Ordinal) || _http.Allow($"{version}/{route}");

    /// <summary>Whether unknown routes fall through to service invocation: daprd's fallback is the invoke API's route.</summary>
    public bool ServesHttpInvocationFallback => _http.Allow("v1.0/invoke");

    /// <summary>Whether the RPC <paramref name="method"/> of <c>dapr.proto.runtime.v1.Dapr</c> is served.</summary>
    public bool ServesGrpc(string method) =>
        !GrpcGroups.TryGetValue(method, out var group) || _grpc.Allow(group, exact: true);

    /// <summary>Reads <c>spec.api</c> from a Configuration's spec (null when there is no Configuration).</summary>
    public static ApiAllowlist Read(JsonObject? spec)
    {
        if (GoJson.Field(spec, "api") is not { } apiNode)
        {
            return AllowAll;
        }

        var problems = new List<ApiAllowlistProblem>();
        if (apiNode is not JsonObject api)
        {
            problems.Add(new(Path, "must be a mapping with allowed and denied"));
            return new ApiAllowlist(Rules.None, Rules.None, problems);
        }

        var allowed = ReadList(api, "allowed", problems);
        var denied = ReadList(api, "denied", problems);
        return new ApiAllowlist(
            new Rules(Keys(allowed, "http"), Keys(denied, "http")),
            new Rules(Keys(allowed, "grpc", grpc: true), Keys(denied, "grpc", grpc: true)),
            problems);
    }

    private static List<(string Name, string Version, string Protocol)> ReadList(JsonObject api, string name, List<ApiAllowlistProblem> problems)
    {
        var rules = new List<(string, string, string)>();
        switch (GoJson.Field(api, name))
        {
            case null:
                return rules;
            case JsonArray list:
                for (var i = 0; i < list.Count; i++)
                {
                    var path = $"{Path}.{name}[{i}]";
                    if (list[i] is not JsonObject entry)
                    {
                        problems.Add(new(path, "must be a mapping with name, version and protocol"));
                        continue;
                    }

                    var before = problems.Count;
                    var ruleName = Required(entry, "name", path, problems);
                    var version = Required(entry, "version", path, problems);
                    var protocol = Required(entry, "protocol", path, problems)?.ToLowerInvariant();
                    if (protocol is not null and not ("http" or "grpc"))
                    {
                        problems.Add(new($"{path}.protocol", $"must be http or grpc, got '{protocol}'"));
                    }

                    if (problems.Count == before)
                    {
                        rules.Add((ruleName!, version!, protocol!));
                    }
                }

                return rules;
            default:
                problems.Add(new($"{Path}.{name}", "must be a list of {name, version, protocol}"));
                return rules;
        }
    }

    private static string? Required(JsonObject entry, string name, string path, List<ApiAllowlistProblem> problems)
    {
        if (GoJson.Field(entry, name) is JsonValue value && value.GetValueKind() == JsonValueKind.String && value.GetValue<string>().Length > 0)
        {
            return value.GetValue<string>();
        }

        problems.Add(new($"{path}.{name}", "is required (a string)"));
        return null;
    }

    // HTTP keys are "version/name", matched as path prefixes; gRPC keys are "name/version", matched whole.
    private static HashSet<string> Keys(List<(string Name, string Version, string Protocol)> rules, string protocol, bool grpc = false) =>
        [.. rules.Where(r => r.Protocol == protocol).Select(r => grpc ? $"{r.Name}/{r.Version}" : $"{r.Version}/{r.Name}")];

    /// <summary>One protocol's allowlist and denylist.</summary>
    private sealed record Rules(HashSet<string> Allowed, HashSet<string> Denied)
    {
        public static Rules None { get; } = new([], []);

        public bool Allow(string key, bool exact = false)
        {
            if (Denied.Any(rule => Matches(key, rule, exact)))
            {
                return false;
            }

            return Allowed.Count == 0 || Allowed.Any(rule => Matches(key, rule, exact));
        }

        private static bool Matches(string key, string rule, bool exact) =>
            exact ? key == rule : key.StartsWith(rule, StringComparison.Ordinal);
    }
}

/// <summary>One problem in <c>spec.api</c>: the field and what is wrong with it.</summary>
public sealed record ApiAllowlistProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
