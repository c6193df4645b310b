using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// JSON keys here are Consul's wire names; that some match member names is coincidence, not a reference.
#pragma warning disable CA1507

namespace Satcar.Testing.Consul;

/// <summary>
/// An in-process Consul agent for tests: Kestrel on a loopback port chosen by the OS, speaking the part
/// of Consul's HTTP API a name resolver uses, as documented (reference/name-resolution.md §2): service
/// registration with checks that really run, health queries with <c>passing</c>, <c>filter</c> and
/// blocking <c>index</c>/<c>wait</c>, TTL updates, ACL tokens and PUT-only writes. Tests can fail
/// nodes and checks, read what was registered and requested, and switch Consul down, slow or failing.
/// </summary>
public sealed class ConsulDouble : IAsyncDisposable
{
    private static readonly TimeSpan s_defaultWait = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_maxWait = TimeSpan.FromMinutes(10);

    private readonly ConsulDoubleOptions _options;
    private readonly ConsulCatalog _catalog;
    private readonly ConsulCheckRunner _runner;
    private readonly ConcurrentQueue<ConsulRecordedRequest> _requests = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly ConcurrentDictionary<string, bool> _cachedQueries = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private CancellationTokenSource _down = new();
    private long _delayTicks;
    private volatile bool _failing;
    private int _port;

    private ConsulDouble(ConsulDoubleOptions options)
    {
        _options = options;
        _catalog = new ConsulCatalog(options.NodeName, options.NodeAddress, options.Datacenter, options.TimeProvider);
        _runner = new ConsulCheckRunner(_catalog, options.TimeProvider, options.CheckTick);
    }

    /// <summary>The port the double listens on; it stays the same across <see cref="StopListeningAsync"/> and <see cref="StartListeningAsync"/>.</summary>
    public int Port => _port;

    /// <summary><c>127.0.0.1:port</c>, the form of <c>client.address</c> and <c>CONSUL_HTTP_ADDR</c>.</summary>
    public string Address => $"127.0.0.1:{_port}";

    /// <summary>The base URI including scheme and path prefix, ending with a slash.</summary>
    public Uri BaseUri => new($"{(_options.Certificate is null ? "http" : "https")}://127.0.0.1:{_port}{_options.PathPrefix?.TrimEnd('/')}/");

    public string NodeName => _options.NodeName;

    public string Datacenter => _options.Datacenter;

    /// <summary>The current raft-like index (<c>X-Consul-Index</c>).</summary>
    public ulong Index => _catalog.Index;

    /// <summary>False between <see cref="StopListeningAsync"/> and <see cref="StartListeningAsync"/>: connections are refused.</summary>
    public bool IsListening => _app is not null;

    /// <summary>Slow mode: every response waits this long first. Zero turns it off.</summary>
    public TimeSpan ResponseDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    /// <summary>Failing mode: every request, blocked ones included, is answered 500.</summary>
    public bool Failing
    {
        get => _failing;
        set
        {
            _failing = value;
            _catalog.Poke();
        }
    }

    /// <summary>Every request received, oldest first.</summary>
    public IReadOnlyList<ConsulRecordedRequest> Requests => [.. _requests];

    /// <summary>The services registered, on every node.</summary>
    public IReadOnlyList<ConsulServiceSnapshot> Services => _catalog.Services();

    /// <summary>The checks, node checks (<c>serfHealth</c>) included.</summary>
    public IReadOnlyList<ConsulCheckSnapshot> Checks => _catalog.Checks();

    public static async Task<ConsulDouble> StartAsync(ConsulDoubleOptions? options = null)
    {
        var consul = new ConsulDouble(options ?? new ConsulDoubleOptions());
        try
        {
            await consul.StartListeningAsync();
        }
        catch
        {
            await consul.DisposeAsync();
            throw;
        }

        return consul;
    }

    public void ClearRequests() => _requests.Clear();

    public ConsulServiceSnapshot? Service(string serviceId) => Services.FirstOrDefault(s => s.Id == serviceId);

    public ConsulCheckSnapshot? Check(string checkId) => Checks.FirstOrDefault(c => c.CheckId == checkId);

    /// <summary>Adds another node (with a passing <c>serfHealth</c>) whose services tests register with <see cref="RegisterOnNode"/>.</summary>
    public void AddNode(string name, string address, IReadOnlyDictionary<string, string>? meta = null) => _catalog.AddNode(name, address, meta);

    /// <summary>Registers a service on any node, as that node's agent would; throws with Consul's 400 message when invalid.</summary>
    public void RegisterOnNode(string node, JsonObject registration)
    {
        if (_catalog.Register(node, registration.ToJsonString(), replaceExistingChecks: false) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }
    }

    /// <summary>Sets the <c>serfHealth</c> check of a node (the agent's own when <paramref name="node"/> is null), as when it leaves or fails.</summary>
    public void SetNodeHealth(string status, string? node = null)
    {
        var output = status == ConsulHealth.Passing ? "Agent alive and reachable" : "Agent not live or unreachable";
        if (!_catalog.SetNodeHealth(node ?? _options.NodeName, status, output))
        {
            throw new InvalidOperationException($"unknown node {node}");
        }
    }

    /// <summary>Sets a check's status (a service check first, else a node check with that ID).</summary>
    public void SetCheckStatus(string checkId, string status, string? output = null)
    {
        if (!_catalog.SetCheckStatus(checkId, status, output))
        {
            throw new InvalidOperationException($"unknown check {checkId}");
        }
    }

    /// <summary>Down mode: aborts requests in flight (blocked ones included) and stops listening, so connections are refused. The state is kept.</summary>
    public async Task StopListeningAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_app is null)
            {
                return;
            }

            await _down.CancelAsync();
            _catalog.Poke();
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Listens again, on the same port.</summary>
    public async Task StartListeningAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_app is not null)
            {
                return;
            }

            _down.Dispose();
            _down = new CancellationTokenSource();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                var app = Build(_port);
                try
                {
                    await app.StartAsync();
                    _app = app;
                    break;
                }
                catch (IOException) when (_port != 0 && DateTime.UtcNow < deadline)
                {
                    // The port is still in TIME_WAIT or briefly held; a restarted agent retries its bind too.
                    await app.DisposeAsync();
                    await Task.Delay(100);
                }
            }

            if (_port == 0)
            {
                var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
                _port = new Uri(addresses.First()).Port;
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private WebApplication Build(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port, listen =>
            {
                if (_options.Certificate is { } certificate)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        return app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var down = _down.Token;
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, down);
        try
        {
            await HandleCoreAsync(context, down, aborted.Token);
        }
        catch (OperationCanceledException) when (down.IsCancellationRequested)
        {
            // A Consul agent that goes down drops its connections, blocked queries included.
            context.Abort();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    private async Task HandleCoreAsync(HttpContext context, CancellationToken down, CancellationToken cancellationToken)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(cancellationToken);
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "";
        var rawPath = rawTarget.Split('?', 2)[0];
        if (_options.PathPrefix is { Length: > 0 } prefix)
        {
            prefix = "/" + prefix.Trim('/');
            if (!rawPath.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                await WriteTextAsync(context, 404, "404 page not found");
                return;
            }

            rawPath = rawPath[prefix.Length..];
        }

        var query = request.Query.ToDictionary(q => q.Key, q => string.Join(',', q.Value.Select(v => v ?? "")), StringComparer.Ordinal);
        var token = TokenOf(request);
        _requests.Enqueue(new ConsulRecordedRequest(
            request.Method, Uri.UnescapeDataString(rawPath), query, token, body,
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));

        if (ResponseDelay is { } delay && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _options.TimeProvider, cancellationToken);
        }

        if (_failing)
        {
            await WriteTextAsync(context, 500, "rpc error making call: the Consul double is in failing mode");
            return;
        }

        context.Response.Headers["X-Consul-Default-ACL-Policy"] = _options.AclToken is null ? "allow" : "deny";
        var acl = Acl(token);
        if (acl == AclOutcome.NotFound)
        {
            await WriteTextAsync(context, 403, "ACL not found");
            return;
        }

        var segments = rawPath.TrimStart('/').Split('/');
        string Tail(int from) => Uri.UnescapeDataString(string.Join('/', segments.Skip(from)));
        switch (segments)
        {
            case ["v1", "agent", "self"]:
                if (await RequireAsync(context, "GET", acl, needsToken: true))
                {
                    await WriteJsonAsync(context, AgentSelf());
                }

                return;
            case ["v1", "agent", "services"]:
                if (await RequireAsync(context, "GET", acl, needsToken: true))
                {
                    await WriteJsonAsync(context, _catalog.AgentServices());
                }

                return;
            case ["v1", "agent", "checks"]:
                if (await RequireAsync(context, "GET", acl, needsToken: true))
                {
                    await WriteJsonAsync(context, _catalog.AgentChecks());
                }

                return;
            case ["v1", "agent", "service", "register"]:
                if (await RequireAsync(context, "PUT", acl, needsToken: true))
                {
                    var replace = query.TryGetValue("replace-existing-checks", out var r) && r is "true" or "1" or "";
                    if (_catalog.Register(_options.NodeName, body, replace) is { } problem)
                    {
                        await WriteTextAsync(context, 400, problem);
                        return;
                    }

                    await WriteTextAsync(context, 200, "");
                }

                return;
            case ["v1", "agent", "service", "deregister", _, ..]:
                if (await RequireAsync(context, "PUT", acl, needsToken: true))
                {
                    var id = Tail(4);
                    if (!_catalog.Deregister(_options.NodeName, id))
                    {
                        await WriteTextAsync(context, 404, $"Unknown service ID \"{id}\". Ensure that the service ID is passed, not the service name.");
                        return;
                    }

                    await WriteTextAsync(context, 200, "");
                }

                return;
            case ["v1", "agent", "check", "pass" or "warn" or "fail" or "update", _, ..]:
                if (await RequireAsync(context, "PUT", acl, needsToken: true))
                {
                    await UpdateCheckAsync(context, segments[3], Tail(4), query, body);
                }

                return;
            case ["v1", "health", "service", _, ..]:
                if (await RequireAsync(context, "GET", acl, needsToken: false))
                {
                    await HealthServiceAsync(context, Tail(3), query, acl, down, cancellationToken);
                }

                return;
            case ["v1", "health", "state", _]:
                if (await RequireAsync(context, "GET", acl, needsToken: false))
                {
                    await HealthStateAsync(context, Tail(3), query, acl, down, cancellationToken);
                }

                return;
            default:
                await WriteTextAsync(context, 404, "404 page not found");
                return;
        }
    }

    private static async Task<bool> RequireAsync(HttpContext context, string method, AclOutcome acl, bool needsToken)
    {
        if (!string.Equals(context.Request.Method, method, StringComparison.OrdinalIgnoreCase))
        {
            // Consul 1.0+ answers 405 when a write endpoint is called with GET, and the other way round.
            await WriteTextAsync(context, 405, $"method {context.Request.Method} not allowed");
            return false;
        }

        if (needsToken && acl == AclOutcome.Anonymous)
        {
            await WriteTextAsync(context, 403, "Permission denied: anonymous token lacks permission");
            return false;
        }

        return true;
    }

    private async Task UpdateCheckAsync(HttpContext context, string verb, string checkId, Dictionary<string, string> query, string body)
    {
        string status;
        string output;
        if (verb == "update")
        {
            JsonObject? update;
            try
            {
                update = JsonNode.Parse(body, new JsonNodeOptions { PropertyNameCaseInsensitive = true }) as JsonObject;
            }
            catch (System.Text.Json.JsonException e)
            {
                await WriteTextAsync(context, 400, $"Request decode failed: {e.Message}");
                return;
            }

            status = update?["Status"]?.GetValue<string>() ?? "";
            output = update?["Output"]?.GetValue<string>() ?? "";
            if (status is not (ConsulHealth.Passing or ConsulHealth.Warning or ConsulHealth.Critical))
            {
                await WriteTextAsync(context, 400, $"Invalid check status: \"{status}\"");
                return;
            }
        }
        else
        {
            status = verb switch { "pass" => ConsulHealth.Passing, "warn" => ConsulHealth.Warning, _ => ConsulHealth.Critical };
            output = query.GetValueOrDefault("note") ?? "";
        }

        switch (_catalog.UpdateTtl(_options.NodeName, checkId, status, output))
        {
            case 404:
                await WriteTextAsync(context, 404, $"Unknown check ID \"{checkId}\". Ensure that the check ID is passed, not the check name.");
                return;
            case 500:
                await WriteTextAsync(context, 500, $"CheckID \"{checkId}\" does not have associated TTL");
                return;
            default:
                await WriteTextAsync(context, 200, "");
                return;
        }
    }

    private async Task HealthServiceAsync(
        HttpContext context, string service, Dictionary<string, string> query, AclOutcome acl, CancellationToken down, CancellationToken cancellationToken)
    {
        if (!await ReadCommonQueryAsync(context, query))
        {
            return;
        }

        if (!TryFilter(query, ConsulFilter.ServiceEntrySelectors, out var filter, out var filterError))
        {
            await WriteTextAsync(context, 400, filterError!);
            return;
        }

        if (!TryBool(query, "passing", out var passing))
        {
            await WriteTextAsync(context, 400, "Invalid value for ?passing");
            return;
        }

        var tags = context.Request.Query["tag"].Where(t => !string.IsNullOrEmpty(t)).Select(t => t!).ToList();
        var nodeMeta = context.Request.Query["node-meta"].Select(m => (m ?? "").Split(':', 2)).Select(p => (p[0], p.Length > 1 ? p[1] : "")).ToList();
        if (!await BlockAsync(context, query, down, cancellationToken))
        {
            return;
        }

        var (entries, index) = _catalog.HealthService(service, passing, tags, nodeMeta);
        if (filter is not null)
        {
            entries = [.. entries.Where(filter.Matches)];
        }

        if (acl == AclOutcome.Anonymous)
        {
            // Consul filters what an anonymous token may not read instead of refusing the read.
            context.Response.Headers["X-Consul-Results-Filtered-By-ACLs"] = "true";
            entries = [];
        }

        if (query.ContainsKey("cached"))
        {
            var key = context.Request.QueryString.Value ?? "";
            context.Response.Headers["X-Cache"] = _cachedQueries.TryAdd($"{service}?{key}", true) ? "MISS" : "HIT";
            context.Response.Headers["Age"] = "0";
        }

        await WriteReadAsync(context, new JsonArray([.. entries.Select(e => (JsonNode)e)]), index);
    }

    private async Task HealthStateAsync(
        HttpContext context, string state, Dictionary<string, string> query, AclOutcome acl, CancellationToken down, CancellationToken cancellationToken)
    {
        if (state is not ("any" or ConsulHealth.Passing or ConsulHealth.Warning or ConsulHealth.Critical))
        {
            await WriteTextAsync(context, 400, $"Bad check state \"{state}\"");
            return;
        }

        if (!await ReadCommonQueryAsync(context, query))
        {
            return;
        }

        if (!TryFilter(query, ConsulFilter.HealthCheckSelectors, out var filter, out var filterError))
        {
            await WriteTextAsync(context, 400, filterError!);
            return;
        }

        if (!await BlockAsync(context, query, down, cancellationToken))
        {
            return;
        }

        var (checks, index) = _catalog.ChecksInState(state);
        if (filter is not null)
        {
            checks = [.. checks.Where(filter.Matches)];
        }

        if (acl == AclOutcome.Anonymous)
        {
            context.Response.Headers["X-Consul-Results-Filtered-By-ACLs"] = "true";
            checks = [];
        }

        await WriteReadAsync(context, new JsonArray([.. checks.Select(c => (JsonNode)c)]), index);
    }

    // dc, and the consistency flags every read accepts.
    private async Task<bool> ReadCommonQueryAsync(HttpContext context, Dictionary<string, string> query)
    {
        if (query.TryGetValue("dc", out var dc) && dc.Length > 0 && !string.Equals(dc, _options.Datacenter, StringComparison.OrdinalIgnoreCase))
        {
            await WriteTextAsync(context, 500, "No path to datacenter");
            return false;
        }

        if (query.ContainsKey("cached") && query.ContainsKey("consistent"))
        {
            await WriteTextAsync(context, 400, "Cannot specify ?cached with ?consistent");
            return false;
        }

        return true;
    }

    private static bool TryFilter(Dictionary<string, string> query, IReadOnlySet<string> selectors, out ConsulFilter? filter, out string? error)
    {
        filter = null;
        error = null;
        if (!query.TryGetValue("filter", out var expression) || expression.Length == 0)
        {
            return true;
        }

        try
        {
            filter = ConsulFilter.Parse(expression, selectors);
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    // A blocking query waits while index >= the current one (Consul's rule), for wait plus up to wait/16 of jitter.
    private async Task<bool> BlockAsync(HttpContext context, Dictionary<string, string> query, CancellationToken down, CancellationToken cancellationToken)
    {
        if (!query.TryGetValue("index", out var indexText) || indexText.Length == 0)
        {
            return true;
        }

        if (!ulong.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            await WriteTextAsync(context, 400, "Invalid index");
            return false;
        }

        var wait = s_defaultWait;
        if (query.TryGetValue("wait", out var waitText) && waitText.Length > 0)
        {
            if (!GoDurationText.TryParse(waitText, out wait))
            {
                await WriteTextAsync(context, 400, "Invalid wait time");
                return false;
            }
        }

        if (wait > s_maxWait)
        {
            wait = s_maxWait;
        }

        if (index == 0)
        {
            return true;
        }

        var jitter = TimeSpan.FromTicks((long)(wait.Ticks / 16.0 * Random.Shared.NextDouble()));
        await _catalog.WaitForChangeAsync(index, wait + jitter, () => _failing || down.IsCancellationRequested, cancellationToken);
        down.ThrowIfCancellationRequested();
        if (_failing)
        {
            await WriteTextAsync(context, 500, "rpc error making call: the Consul double is in failing mode");
            return false;
        }

        return true;
    }

    private static bool TryBool(Dictionary<string, string> query, string name, out bool value)
    {
        value = false;
        if (!query.TryGetValue(name, out var text))
        {
            return true;
        }

        if (text.Length == 0 || text == "1")
        {
            value = true;
            return true;
        }

        if (text == "0")
        {
            return true;
        }

        return bool.TryParse(text, out value);
    }

    private JsonObject AgentSelf() => new()
    {
        ["Config"] = new JsonObject
        {
            ["Datacenter"] = _options.Datacenter,
            ["PrimaryDatacenter"] = _options.Datacenter,
            ["NodeName"] = _options.NodeName,
            ["NodeID"] = _catalog.NodeId(_options.NodeName),
            ["Server"] = true,
            ["Version"] = "1.21.0",
        },
        ["Member"] = new JsonObject
        {
            ["Name"] = _options.NodeName,
            ["Addr"] = _options.NodeAddress,
            ["Port"] = 8301,
            ["Status"] = 1,
        },
        ["Meta"] = new JsonObject(),
    };

    private AclOutcome Acl(string? token)
    {
        if (_options.AclToken is null)
        {
            return AclOutcome.Allowed;
        }

        if (token is null)
        {
            return AclOutcome.Anonymous;
        }

        return token == _options.AclToken ? AclOutcome.Allowed : AclOutcome.NotFound;
    }

    private static string? TokenOf(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Consul-Token", out var header) && header.ToString() is { Length: > 0 } token)
        {
            return token;
        }

        if (request.Headers.Authorization.ToString() is { } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        return request.Query.TryGetValue("token", out var query) && query.ToString() is { Length: > 0 } fromQuery ? fromQuery : null;
    }

    private static async Task WriteReadAsync(HttpContext context, JsonNode body, ulong index)
    {
        var headers = context.Response.Headers;
        headers["X-Consul-Index"] = Math.Max(index, 1).ToString(CultureInfo.InvariantCulture);
        headers["X-Consul-KnownLeader"] = "true";
        headers["X-Consul-LastContact"] = "0";
        headers["X-Consul-Query-Backend"] = "blocking-query";
        await WriteJsonAsync(context, body);
    }

    private static async Task WriteJsonAsync(HttpContext context, JsonNode body)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static async Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        if (text.Length > 0)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(text);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopListeningAsync();
        await _runner.DisposeAsync();
        _down.Dispose();
        _lifecycle.Dispose();
    }

    private enum AclOutcome
    {
        Allowed,
        Anonymous,
        NotFound,
    }
}
