using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

// JSON keys here are Consul's wire names; that some match member names is coincidence, not a reference.
#pragma warning disable CA1507

namespace Satcar.Testing.Consul;

/// <summary>
/// The double's state (Consul's reference §2.8 model): nodes, services keyed by (node, service ID),
/// checks keyed by (node, check ID), and one raft-like index bumped on every change that blocking
/// queries wait on. Everything is guarded by one lock.
/// </summary>
internal sealed class ConsulCatalog
{
    private static readonly JsonNodeOptions s_caseInsensitive = new() { PropertyNameCaseInsensitive = true };

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, NodeRecord> _nodes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string Node, string Id), ServiceRecord> _services = [];
    private readonly Dictionary<(string Node, string Id), CheckRecord> _checks = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong _index = 1;
    private long _checkVersions;

    public ConsulCatalog(string agentNode, string agentAddress, string datacenter, TimeProvider time)
    {
        _time = time;
        AgentNode = agentNode;
        Datacenter = datacenter;
        AddNode(agentNode, agentAddress);
    }

    public string AgentNode { get; }

    public string Datacenter { get; }

    public ulong Index
    {
        get
        {
            lock (_gate)
            {
                return _index;
            }
        }
    }

    /// <summary>Adds a node with a passing <c>serfHealth</c> check, as a joined Consul agent has.</summary>
    public void AddNode(string name, string address, IReadOnlyDictionary<string, string>? meta = null)
    {
        lock (_gate)
        {
            var index = Bump();
            var node = new NodeRecord(name, address, Guid.NewGuid().ToString(), index);
            foreach (var (key, value) in meta ?? new Dictionary<string, string>())
            {
                node.Meta[key] = value;
            }

            _nodes[name] = node;
            var check = new CheckRecord
            {
                Node = name,
                CheckId = "serfHealth",
                Name = "Serf Health Status",
                Status = ConsulHealth.Passing,
                Output = "Agent alive and reachable",
                Type = "serf",
                CreateIndex = index,
                ModifyIndex = index,
            };
            _checks[(name, check.CheckId)] = check;
        }
    }

    /// <summary>Wakes blocking queries without a change, so they can notice a mode switch.</summary>
    public void Poke()
    {
        lock (_gate)
        {
            var changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult();
        }
    }

    /// <summary>Waits until the index passes <paramref name="since"/>, <paramref name="wait"/> elapses, or <paramref name="stop"/> says so.</summary>
    public async Task WaitForChangeAsync(ulong since, TimeSpan wait, Func<bool> stop, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_index > since)
                {
                    return;
                }

                changed = _changed.Task;
            }

            if (stop())
            {
                return;
            }

            var remaining = wait - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(remaining, _time, timer.Token);
            await Task.WhenAny(changed, delay);
            await timer.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// <c>PUT /v1/agent/service/register</c> on <paramref name="node"/>: returns null, or the 400 message.
    /// Re-registering an ID replaces the service; a check that already existed keeps its state unless the
    /// new definition gives a Status; other checks of the service stay unless <paramref name="replaceExistingChecks"/>.
    /// </summary>
    public string? Register(string node, string body, bool replaceExistingChecks)
    {
        JsonObject registration;
        try
        {
            registration = JsonNode.Parse(body, s_caseInsensitive) as JsonObject ?? throw new JsonException("the body is not a JSON object");
        }
        catch (JsonException e)
        {
            return $"Request decode failed: {e.Message}";
        }

        ParsedService parsed;
        try
        {
            parsed = ParsedService.From(registration);
        }
        catch (FormatException e)
        {
            return e.Message;
        }

        lock (_gate)
        {
            if (!_nodes.ContainsKey(node))
            {
                return $"Unknown node {node}";
            }

            var index = Bump();
            var key = (node, parsed.Id);
            var createIndex = _services.TryGetValue(key, out var existing) ? existing.CreateIndex : index;
            _services[key] = new ServiceRecord
            {
                Node = node,
                Id = parsed.Id,
                Name = parsed.Name,
                Kind = parsed.Kind,
                Tags = parsed.Tags,
                Address = parsed.Address,
                Port = parsed.Port,
                Meta = parsed.Meta,
                TaggedAddresses = parsed.TaggedAddresses,
                EnableTagOverride = parsed.EnableTagOverride,
                WeightsPassing = parsed.WeightsPassing,
                WeightsWarning = parsed.WeightsWarning,
                Registration = (JsonObject)JsonNode.Parse(body)!,
                CreateIndex = createIndex,
                ModifyIndex = index,
            };

            var now = _time.GetTimestamp();
            var kept = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < parsed.Checks.Count; i++)
            {
                var definition = parsed.Checks[i];
                var checkId = definition.CheckId
                    ?? (parsed.Checks.Count > 1 ? $"service:{parsed.Id}:{i + 1}" : $"service:{parsed.Id}");
                kept.Add(checkId);
                var checkKey = (node, checkId);
                var previous = _checks.GetValueOrDefault(checkKey);
                var status = definition.Status ?? previous?.Status ?? ConsulHealth.Critical;
                _checks[checkKey] = new CheckRecord
                {
                    Node = node,
                    CheckId = checkId,
                    Name = definition.Name ?? $"Service '{parsed.Name}' check",
                    Status = status,
                    Output = definition.Status is null ? previous?.Output ?? "" : "",
                    Notes = definition.Notes ?? "",
                    ServiceId = parsed.Id,
                    ServiceName = parsed.Name,
                    ServiceTags = parsed.Tags,
                    Type = definition.Type,
                    Definition = definition,
                    Version = Interlocked.Increment(ref _checkVersions),
                    NextRun = now,
                    TtlDeadline = definition.Ttl is { } ttl ? now + ToTimestampTicks(ttl) : 0,
                    CriticalSince = status == ConsulHealth.Critical ? previous?.CriticalSince ?? now : null,
                    CreateIndex = previous?.CreateIndex ?? index,
                    ModifyIndex = index,
                };
            }

            if (replaceExistingChecks)
            {
                foreach (var stale in _checks.Values.Where(c => c.Node == node && c.ServiceId == parsed.Id && !kept.Contains(c.CheckId)).ToList())
                {
                    _checks.Remove((node, stale.CheckId));
                }
            }

            return null;
        }
    }

    /// <summary>Removes a service and its checks; false when the ID is unknown on that node.</summary>
    public bool Deregister(string node, string serviceId)
    {
        lock (_gate)
        {
            return DeregisterLocked(node, serviceId);
        }
    }

    private bool DeregisterLocked(string node, string serviceId)
    {
        if (!_services.Remove((node, serviceId)))
        {
            return false;
        }

        foreach (var check in _checks.Values.Where(c => c.Node == node && c.ServiceId == serviceId).ToList())
        {
            _checks.Remove((node, check.CheckId));
        }

        Bump();
        return true;
    }

    /// <summary>A TTL update (<c>/v1/agent/check/pass|warn|fail|update</c>): 0 done, 404 unknown check, 500 not a TTL check.</summary>
    public int UpdateTtl(string node, string checkId, string status, string output)
    {
        lock (_gate)
        {
            if (!_checks.TryGetValue((node, checkId), out var check))
            {
                return 404;
            }

            if (check.Definition?.Ttl is not { } ttl)
            {
                return 500;
            }

            check.TtlDeadline = _time.GetTimestamp() + ToTimestampTicks(ttl);
            SetStatusLocked(check, status, output);
            return 0;
        }
    }

    /// <summary>Sets a check's status wherever it is (test hook); false when no such check exists.</summary>
    public bool SetCheckStatus(string checkId, string status, string? output)
    {
        lock (_gate)
        {
            var check = _checks.Values.FirstOrDefault(c => c.CheckId == checkId && c.ServiceId.Length > 0)
                ?? _checks.Values.FirstOrDefault(c => c.CheckId == checkId);
            if (check is null)
            {
                return false;
            }

            if (check.Definition?.Ttl is { } ttl)
            {
                check.TtlDeadline = _time.GetTimestamp() + ToTimestampTicks(ttl);
            }

            SetStatusLocked(check, status, output ?? check.Output);
            return true;
        }
    }

    public bool SetNodeHealth(string node, string status, string output)
    {
        lock (_gate)
        {
            if (!_checks.TryGetValue((node, "serfHealth"), out var check))
            {
                return false;
            }

            SetStatusLocked(check, status, output);
            return true;
        }
    }

    /// <summary>Records a probe's result unless the check changed or went away meanwhile.</summary>
    public void ReportProbe(string node, string checkId, long version, string status, string output)
    {
        lock (_gate)
        {
            if (_checks.TryGetValue((node, checkId), out var check) && check.Version == version)
            {
                check.InFlight = false;
                SetStatusLocked(check, status, output);
            }
        }
    }

    /// <summary>
    /// One pass of the agent's background work: expires TTLs, reaps services critical for longer than
    /// their check's DeregisterCriticalServiceAfter, and hands back the HTTP/TCP checks due to run.
    /// </summary>
    public List<DueProbe> Tick()
    {
        var due = new List<DueProbe>();
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            foreach (var check in _checks.Values)
            {
                if (check.Definition is not { } definition)
                {
                    continue;
                }

                if (definition.Ttl is not null && now >= check.TtlDeadline && check.Status != ConsulHealth.Critical)
                {
                    SetStatusLocked(check, ConsulHealth.Critical, "TTL expired");
                }

                if (definition.Interval is { } interval && (definition.Http is not null || definition.Tcp is not null)
                    && !check.InFlight && now >= check.NextRun)
                {
                    check.InFlight = true;
                    check.NextRun = now + ToTimestampTicks(interval);
                    due.Add(new DueProbe(check.Node, check.CheckId, check.Version, definition));
                }
            }

            // Consul reaps every 30 s and refuses less than 1 m; the double honours any value at once so tests stay short.
            var reap = _checks.Values
                .Where(c => c.ServiceId.Length > 0 && c.CriticalSince is { } since && c.Definition?.DeregisterCriticalServiceAfter is { } after
                    && _time.GetElapsedTime(since) >= after)
                .Select(c => (c.Node, c.ServiceId))
                .Distinct()
                .ToList();
            foreach (var (node, serviceId) in reap)
            {
                DeregisterLocked(node, serviceId);
            }
        }

        return due;
    }

    /// <summary>The entries of <c>/v1/health/service/&lt;name&gt;</c>, before <c>filter</c>.</summary>
    public (List<JsonObject> Entries, ulong Index) HealthService(string name, bool passingOnly, IReadOnlyList<string> tags, IReadOnlyList<(string Key, string Value)> nodeMeta)
    {
        lock (_gate)
        {
            var entries = new List<JsonObject>();
            foreach (var service in _services.Values
                .Where(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
                .OrderBy(s => s.Node, StringComparer.Ordinal).ThenBy(s => s.Id, StringComparer.Ordinal))
            {
                var node = _nodes[service.Node];
                var checks = _checks.Values
                    .Where(c => c.Node == service.Node && (c.ServiceId.Length == 0 || c.ServiceId == service.Id))
                    .OrderBy(c => c.ServiceId.Length == 0 ? 0 : 1).ThenBy(c => c.CheckId, StringComparer.Ordinal)
                    .ToList();
                if (passingOnly && checks.Any(c => c.Status != ConsulHealth.Passing))
                {
                    continue;
                }

                if (tags.Any(t => !service.Tags.Contains(t, StringComparer.OrdinalIgnoreCase)))
                {
                    continue;
                }

                if (nodeMeta.Any(m => !node.Meta.TryGetValue(m.Key, out var value) || value != m.Value))
                {
                    continue;
                }

                entries.Add(new JsonObject
                {
                    ["Node"] = node.ToJson(Datacenter),
                    ["Service"] = service.ToJson(Datacenter),
                    ["Checks"] = new JsonArray([.. checks.Select(c => (JsonNode)c.ToJson())]),
                });
            }

            return (entries, _index);
        }
    }

    /// <summary>The checks of <c>/v1/health/state/&lt;state&gt;</c>, before <c>filter</c>.</summary>
    public (List<JsonObject> Checks, ulong Index) ChecksInState(string state)
    {
        lock (_gate)
        {
            var checks = _checks.Values
                .Where(c => state == "any" || c.Status == state)
                .OrderBy(c => c.Node, StringComparer.Ordinal).ThenBy(c => c.CheckId, StringComparer.Ordinal)
                .Select(c => c.ToJson())
                .ToList();
            return (checks, _index);
        }
    }

    public JsonObject AgentServices()
    {
        lock (_gate)
        {
            var result = new JsonObject();
            foreach (var service in _services.Values.Where(s => s.Node == AgentNode).OrderBy(s => s.Id, StringComparer.Ordinal))
            {
                result[service.Id] = service.ToJson(Datacenter);
            }

            return result;
        }
    }

    public JsonObject AgentChecks()
    {
        lock (_gate)
        {
            var result = new JsonObject();
            foreach (var check in _checks.Values.Where(c => c.Node == AgentNode).OrderBy(c => c.CheckId, StringComparer.Ordinal))
            {
                result[check.CheckId] = check.ToJson();
            }

            return result;
        }
    }

    public string? NodeId(string node)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue(node, out var record) ? record.Id : null;
        }
    }

    public IReadOnlyList<ConsulServiceSnapshot> Services()
    {
        lock (_gate)
        {
            return [.. _services.Values
                .OrderBy(s => s.Node, StringComparer.Ordinal).ThenBy(s => s.Id, StringComparer.Ordinal)
                .Select(s => new ConsulServiceSnapshot(s.Node, s.Id, s.Name, s.Address, s.Port, s.Tags,
                    new Dictionary<string, string>(s.Meta), (JsonObject)s.Registration.DeepClone()))];
        }
    }

    public IReadOnlyList<ConsulCheckSnapshot> Checks()
    {
        lock (_gate)
        {
            return [.. _checks.Values
                .OrderBy(c => c.Node, StringComparer.Ordinal).ThenBy(c => c.CheckId, StringComparer.Ordinal)
                .Select(c => new ConsulCheckSnapshot(c.Node, c.CheckId, c.Name, c.Status, c.Output, c.ServiceId, c.ServiceName, c.Type,
                    c.Definition?.Http, c.Definition?.IntervalText, c.Definition?.TtlText, c.Definition?.DeregisterText, c.Notes))];
        }
    }

    private void SetStatusLocked(CheckRecord check, string status, string output)
    {
        if (check.Status == status && check.Output == output)
        {
            return;
        }

        if (status == ConsulHealth.Critical && check.Status != ConsulHealth.Critical)
        {
            check.CriticalSince = _time.GetTimestamp();
        }
        else if (status != ConsulHealth.Critical)
        {
            check.CriticalSince = null;
        }

        check.Status = status;
        check.Output = output;
        check.ModifyIndex = Bump();
    }

    private ulong Bump()
    {
        _index++;
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
        return _index;
    }

    private long ToTimestampTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    internal readonly record struct DueProbe(string Node, string CheckId, long Version, CheckDefinition Definition);

    private sealed record NodeRecord(string Name, string Address, string Id, ulong CreateIndex)
    {
        public Dictionary<string, string> Meta { get; } = new(StringComparer.Ordinal);

        public JsonObject ToJson(string datacenter) => new()
        {
            ["ID"] = Id,
            ["Node"] = Name,
            ["Address"] = Address,
            ["Datacenter"] = datacenter,
            ["TaggedAddresses"] = new JsonObject { ["lan"] = Address, ["wan"] = Address },
            ["Meta"] = new JsonObject(Meta.Select(m => new KeyValuePair<string, JsonNode?>(m.Key, m.Value))),
            ["CreateIndex"] = CreateIndex,
            ["ModifyIndex"] = CreateIndex,
        };
    }

    private sealed class ServiceRecord
    {
        public required string Node { get; init; }

        public required string Id { get; init; }

        public required string Name { get; init; }

        public string Kind { get; init; } = "";

        public required IReadOnlyList<string> Tags { get; init; }

        public required string Address { get; init; }

        public int Port { get; init; }

        public required Dictionary<string, string> Meta { get; init; }

        public JsonObject? TaggedAddresses { get; init; }

        public bool EnableTagOverride { get; init; }

        public int WeightsPassing { get; init; } = 1;

        public int WeightsWarning { get; init; } = 1;

        public required JsonObject Registration { get; init; }

        public ulong CreateIndex { get; init; }

        public ulong ModifyIndex { get; init; }

        public JsonObject ToJson(string datacenter)
        {
            var json = new JsonObject();
            if (Kind.Length > 0)
            {
                json["Kind"] = Kind;
            }

            json["ID"] = Id;
            json["Service"] = Name;
            json["Tags"] = new JsonArray([.. Tags.Select(t => (JsonNode?)JsonValue.Create(t))]);
            json["Address"] = Address;
            if (TaggedAddresses is not null)
            {
                json["TaggedAddresses"] = TaggedAddresses.DeepClone();
            }

            json["Meta"] = new JsonObject(Meta.Select(m => new KeyValuePair<string, JsonNode?>(m.Key, m.Value)));
            json["Port"] = Port;
            json["Weights"] = new JsonObject { ["Passing"] = WeightsPassing, ["Warning"] = WeightsWarning };
            json["EnableTagOverride"] = EnableTagOverride;
            json["Datacenter"] = datacenter;
            json["CreateIndex"] = CreateIndex;
            json["ModifyIndex"] = ModifyIndex;
            return json;
        }
    }

    private sealed class CheckRecord
    {
        public required string Node { get; init; }

        public required string CheckId { get; init; }

        public required string Name { get; init; }

        public required string Status { get; set; }

        public string Output { get; set; } = "";

        public string Notes { get; init; } = "";

        public string ServiceId { get; init; } = "";

        public string ServiceName { get; init; } = "";

        public IReadOnlyList<string> ServiceTags { get; init; } = [];

        public required string Type { get; init; }

        public CheckDefinition? Definition { get; init; }

        public long Version { get; init; }

        public long NextRun { get; set; }

        public bool InFlight { get; set; }

        public long TtlDeadline { get; set; }

        public long? CriticalSince { get; set; }

        public ulong CreateIndex { get; init; }

        public ulong ModifyIndex { get; set; }

        public JsonObject ToJson()
        {
            var definition = new JsonObject();
            if (Definition is { } d)
            {
                if (d.Http is not null)
                {
                    definition["HTTP"] = d.Http;
                    definition["Method"] = d.Method;
                }

                if (d.Tcp is not null)
                {
                    definition["TCP"] = d.Tcp;
                }

                if (d.IntervalText is not null)
                {
                    definition["Interval"] = d.IntervalText;
                }

                if (d.TimeoutText is not null)
                {
                    definition["Timeout"] = d.TimeoutText;
                }

                if (d.DeregisterText is not null)
                {
                    definition["DeregisterCriticalServiceAfter"] = d.DeregisterText;
                }
            }

            return new JsonObject
            {
                ["Node"] = Node,
                ["CheckID"] = CheckId,
                ["Name"] = Name,
                ["Status"] = Status,
                ["Notes"] = Notes,
                ["Output"] = Output,
                ["ServiceID"] = ServiceId,
                ["ServiceName"] = ServiceName,
                ["ServiceTags"] = new JsonArray([.. ServiceTags.Select(t => (JsonNode?)JsonValue.Create(t))]),
                ["Type"] = Type,
                ["ExposedPort"] = 0,
                ["Definition"] = definition,
                ["CreateIndex"] = CreateIndex,
                ["ModifyIndex"] = ModifyIndex,
            };
        }
    }

    /// <summary>A registration body read the way the agent reads it (keys case-insensitive), or a 400 message.</summary>
    private sealed record ParsedService(
        string Id, string Name, string Kind, IReadOnlyList<string> Tags, string Address, int Port, Dictionary<string, string> Meta,
        JsonObject? TaggedAddresses, bool EnableTagOverride, int WeightsPassing, int WeightsWarning, List<CheckDefinition> Checks)
    {
        public static ParsedService From(JsonObject json)
        {
            var name = JsonRead.Text(json, "Name") ?? "";
            if (name.Length == 0)
            {
                throw new FormatException("Missing service name");
            }

            var checks = new List<CheckDefinition>();
            if (json["Check"] is JsonObject single)
            {
                checks.Add(CheckDefinition.From(single));
            }
            else if (json["Check"] is not null)
            {
                throw new FormatException("Request decode failed: Check must be an object");
            }

            if (json["Checks"] is JsonArray list)
            {
                checks.AddRange(list.Select(c => c as JsonObject ?? throw new FormatException("Request decode failed: Checks must hold objects")).Select(CheckDefinition.From));
            }
            else if (json["Checks"] is not null)
            {
                throw new FormatException("Request decode failed: Checks must be a list");
            }

            var weights = json["Weights"] as JsonObject;
            return new ParsedService(
                JsonRead.Text(json, "ID") is { Length: > 0 } id ? id : name,
                name,
                JsonRead.Text(json, "Kind") ?? "",
                JsonRead.TextList(json, "Tags"),
                JsonRead.Text(json, "Address") ?? "",
                JsonRead.Integer(json, "Port") ?? 0,
                JsonRead.TextMap(json, "Meta"),
                json["TaggedAddresses"]?.DeepClone() as JsonObject,
                JsonRead.Boolean(json, "EnableTagOverride"),
                weights is null ? 1 : JsonRead.Integer(weights, "Passing") ?? 1,
                weights is null ? 1 : JsonRead.Integer(weights, "Warning") ?? 1,
                checks);
        }
    }
}

/// <summary>One check's definition, validated as Consul's <c>CheckType.Validate</c> does.</summary>
internal sealed record CheckDefinition
{
    public string? CheckId { get; init; }

    public string? Name { get; init; }

    public string? Status { get; init; }

    public string? Notes { get; init; }

    public string? Http { get; init; }

    public string Method { get; init; } = "GET";

    public Dictionary<string, string[]> Header { get; init; } = [];

    public string? Body { get; init; }

    public string? Tcp { get; init; }

    public bool TlsSkipVerify { get; init; }

    public TimeSpan? Interval { get; init; }

    public string? IntervalText { get; init; }

    public TimeSpan? Timeout { get; init; }

    public string? TimeoutText { get; init; }

    public TimeSpan? Ttl { get; init; }

    public string? TtlText { get; init; }

    public TimeSpan? DeregisterCriticalServiceAfter { get; init; }

    public string? DeregisterText { get; init; }

    public required string Type { get; init; }

    public static CheckDefinition From(JsonObject json)
    {
        var status = JsonRead.Text(json, "Status");
        if (status is { Length: > 0 } && status is not (ConsulHealth.Passing or ConsulHealth.Warning or ConsulHealth.Critical))
        {
            throw new FormatException($"Invalid check: Status for checks must 'passing', 'warning', 'critical', got '{status}'");
        }

        var (interval, intervalText) = Duration(json, "Interval");
        var (timeout, timeoutText) = Duration(json, "Timeout");
        var (ttl, ttlText) = Duration(json, "TTL");
        var (deregister, deregisterText) = Duration(json, "DeregisterCriticalServiceAfter");
        var http = JsonRead.Text(json, "HTTP") is { Length: > 0 } h ? h : null;
        var tcp = JsonRead.Text(json, "TCP") is { Length: > 0 } t ? t : null;
        var grpc = JsonRead.Text(json, "GRPC") is { Length: > 0 } ? "grpc" : null;
        var script = JsonRead.TextList(json, "ScriptArgs").Count > 0 || JsonRead.TextList(json, "Args").Count > 0;
        var alias = JsonRead.Text(json, "AliasService") is { Length: > 0 } || JsonRead.Text(json, "AliasNode") is { Length: > 0 };
        var docker = JsonRead.Text(json, "DockerContainerID") is { Length: > 0 };
        if (script)
        {
            throw new FormatException("Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true");
        }

        var intervalCheck = http is not null || tcp is not null || grpc is not null || docker;
        if (intervalCheck && (interval is null || interval <= TimeSpan.Zero))
        {
            throw new FormatException("Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks");
        }

        if (!intervalCheck && ttl is null && !alias)
        {
            throw new FormatException("Invalid check: Must specify either TTL, Script, HTTP, TCP, UDP, GRPC, H2PING, OSService or alias");
        }

        var type = http is not null ? "http" : tcp is not null ? "tcp" : grpc ?? (docker ? "docker" : ttl is not null ? "ttl" : "alias");
        var header = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        if (json["Header"] is JsonObject headers)
        {
            foreach (var (headerName, values) in headers)
            {
                header[headerName] = values is JsonArray array ? [.. array.Select(v => v?.ToString() ?? "")] : [values?.ToString() ?? ""];
            }
        }

        return new CheckDefinition
        {
            CheckId = JsonRead.Text(json, "CheckID") is { Length: > 0 } id ? id : JsonRead.Text(json, "ID") is { Length: > 0 } other ? other : null,
            Name = JsonRead.Text(json, "Name") is { Length: > 0 } name ? name : null,
            Status = status is { Length: > 0 } ? status : null,
            Notes = JsonRead.Text(json, "Notes"),
            Http = http,
            Method = JsonRead.Text(json, "Method") is { Length: > 0 } method ? method : "GET",
            Header = header,
            Body = JsonRead.Text(json, "Body"),
            Tcp = tcp,
            TlsSkipVerify = JsonRead.Boolean(json, "TLSSkipVerify"),
            Interval = interval,
            IntervalText = intervalText,
            Timeout = timeout,
            TimeoutText = timeoutText,
            Ttl = ttl,
            TtlText = ttlText,
            DeregisterCriticalServiceAfter = deregister,
            DeregisterText = deregisterText,
            Type = type,
        };
    }

    private static (TimeSpan?, string?) Duration(JsonObject json, string key)
    {
        var node = json[key];
        if (node is null)
        {
            return (null, null);
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var nanoseconds))
        {
            return nanoseconds > 0 ? (TimeSpan.FromTicks(nanoseconds / 100), $"{nanoseconds}ns") : (null, null);
        }

        var text = JsonRead.Text(json, key);
        if (string.IsNullOrEmpty(text))
        {
            return (null, null);
        }

        if (!GoDurationText.TryParse(text, out var duration))
        {
            throw new FormatException($"Request decode failed: {key}: time: invalid duration \"{text}\"");
        }

        return duration > TimeSpan.Zero ? (duration, text) : (null, null);
    }
}

/// <summary>Reads JSON values the lenient way the Consul agent's decoder does.</summary>
internal static class JsonRead
{
    public static string? Text(JsonObject json, string key) => json[key] switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonValue value when value.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
        null => null,
        _ => throw new FormatException($"Request decode failed: {key} must be a string"),
    };

    public static int? Integer(JsonObject json, string key) => json[key] switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var number) => number,
        null => null,
        var other => throw new FormatException($"Request decode failed: json: cannot unmarshal {other.ToJsonString()} into Go struct field {key} of type int"),
    };

    public static bool Boolean(JsonObject json, string key) => json[key] switch
    {
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        null => false,
        var other => throw new FormatException($"Request decode failed: json: cannot unmarshal {other.ToJsonString()} into Go struct field {key} of type bool"),
    };

    public static List<string> TextList(JsonObject json, string key) => json[key] switch
    {
        JsonArray array => [.. array.Select(v => v is JsonValue s && s.GetValueKind() == JsonValueKind.String
            ? s.GetValue<string>()
            : throw new FormatException($"Request decode failed: {key} must hold strings"))],
        null => [],
        _ => throw new FormatException($"Request decode failed: {key} must be a list of strings"),
    };

    public static Dictionary<string, string> TextMap(JsonObject json, string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (json[key])
        {
            case null:
                return result;
            case JsonObject map:
                foreach (var (name, value) in map)
                {
                    result[name] = value is JsonValue s && s.GetValueKind() == JsonValueKind.String
                        ? s.GetValue<string>()
                        : throw new FormatException($"Request decode failed: json: cannot unmarshal {value?.ToJsonString() ?? "null"} into Go struct field {key} of type string");
                }

                return result;
            default:
                throw new FormatException($"Request decode failed: {key} must be a map of strings");
        }
    }
}

/// <summary>Go's <c>time.ParseDuration</c> and the blocking-query <c>wait</c> formats (<c>5s</c>, <c>300000ms</c>, <c>1m</c>).</summary>
internal static class GoDurationText
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = text.Trim();
        if (text == "0")
        {
            return true;
        }

        var i = 0;
        double ticks = 0;
        var any = false;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.')
            {
                i++;
            }

            double unit = text[unitStart..i] switch
            {
                "ns" => 0.01,
                "us" or "µs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => -1,
            };
            if (unit < 0)
            {
                return false;
            }

            ticks += number * unit;
            any = true;
        }

        if (!any)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)ticks);
        return true;
    }
}
