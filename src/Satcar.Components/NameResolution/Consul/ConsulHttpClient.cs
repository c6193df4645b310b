using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Satcar.Components.NameResolution.Consul;

/// <summary>
/// The part of Consul's HTTP API the resolver uses, on one <see cref="SocketsHttpHandler"/>. It adds what
/// the Go SDK adds to every request (<c>dc</c>, <c>wait</c>, <c>X-Consul-Token</c>, basic auth) and turns
/// every failure (unreachable, timeout, non-200) into a <see cref="ConsulRequestException"/>.
/// </summary>
internal sealed class ConsulHttpClient : IDisposable
{
    private static readonly JsonNodeOptions s_caseInsensitive = new() { PropertyNameCaseInsensitive = true };
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    private readonly ConsulClientOptions _options;
    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue? _basicAuth;
    private readonly X509Certificate2Collection? _trustedRoots;
    private readonly X509Certificate2? _clientCertificate;

    public ConsulHttpClient(ConsulClientOptions options)
    {
        _options = options;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            // Consul servers come and go behind one name; re-resolve now and then.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.All,
            UseCookies = false,
            UseProxy = false,
        };

        if (options.IsHttps)
        {
            _trustedRoots = LoadRoots(options.Tls);
            _clientCertificate = options.Tls is { CertFile: { } certFile, KeyFile: { } keyFile }
                ? X509Certificate2.CreateFromPemFile(certFile, keyFile)
                : null;
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = options.Tls.ServerName,
                RemoteCertificateValidationCallback = ValidateServerCertificate,
                ClientCertificates = _clientCertificate is null ? null : new X509CertificateCollection { _clientCertificate },
            };
        }

        _http = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = options.BaseUri,
            // Every call carries its own deadline; blocking queries need one longer than their wait.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("satcar", "1"));

        if (options.Username is not null)
        {
            var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}"));
            _basicAuth = new AuthenticationHeaderValue("Basic", credentials);
        }
    }

    /// <summary>Where Consul is, for messages: <c>http://host:port/prefix</c>.</summary>
    public string Address => _options.BaseUri.GetLeftPart(UriPartial.Path).TrimEnd('/');

    /// <summary><c>PUT /v1/agent/service/register</c>.</summary>
    public Task RegisterAsync(JsonObject registration, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "v1/agent/service/register", [], registration, null, null, timeout, cancellationToken);

    /// <summary><c>PUT /v1/agent/service/deregister/&lt;id&gt;</c>.</summary>
    public Task DeregisterAsync(string serviceId, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, $"v1/agent/service/deregister/{Uri.EscapeDataString(serviceId)}", [], null, null, null, timeout, cancellationToken);

    /// <summary><c>PUT /v1/agent/check/update/&lt;id&gt;</c> with a TTL check's new status.</summary>
    public Task UpdateCheckAsync(string checkId, string status, string output, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, $"v1/agent/check/update/{Uri.EscapeDataString(checkId)}", [],
            new JsonObject { ["Status"] = status, ["Output"] = output }, null, null, timeout, cancellationToken);

    /// <summary>
    /// <c>GET /v1/health/service/&lt;name&gt;?passing=1</c> with the query options; with
    /// <paramref name="index"/> above 0 it is a blocking query that waits up to <paramref name="wait"/>.
    /// </summary>
    public async Task<ConsulHealthResult> HealthyInstancesAsync(
        string serviceName, ConsulQueryOptions queryOptions, bool agentCache, ulong index, TimeSpan? wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var query = new List<KeyValuePair<string, string>>();
        queryOptions.AddTo(query, agentCache);
        query.Add(new("passing", "1"));
        if (index > 0)
        {
            query.Add(new("index", index.ToString(CultureInfo.InvariantCulture)));
        }

        if (wait is { } w)
        {
            query.RemoveAll(p => p.Key == "wait");
            query.Add(new("wait", ConsulDuration.ToMilliseconds(w)));
        }

        var response = await SendAsync(HttpMethod.Get, $"v1/health/service/{Uri.EscapeDataString(serviceName)}", query, null,
            queryOptions.Token, queryOptions.CacheControl(agentCache), timeout, cancellationToken);
        JsonArray entries;
        try
        {
            entries = JsonNode.Parse(response.Body, s_caseInsensitive) as JsonArray
                ?? throw new ConsulRequestException($"GET /v1/health/service/{serviceName} at {Address} answered something that is not a list of service entries", null);
        }
        catch (JsonException e)
        {
            throw new ConsulRequestException($"GET /v1/health/service/{serviceName} at {Address} answered invalid JSON: {e.Message}", null, e);
        }

        return new ConsulHealthResult(entries, response.Index, response.FilteredByAcls);
    }

    private async Task<ConsulResponse> SendAsync(
        HttpMethod method, string path, List<KeyValuePair<string, string>> query, JsonNode? body, string? tokenOverride,
        string? cacheControl, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The Go SDK's newRequest: the client's datacenter and wait go on every request; query options override them.
        var parameters = new List<KeyValuePair<string, string>>();
        if (_options.Datacenter is { } dc && !query.Exists(p => p.Key == "dc"))
        {
            parameters.Add(new("dc", dc));
        }

        if (_options.WaitTime is { } wait && wait > TimeSpan.Zero && !query.Exists(p => p.Key == "wait"))
        {
            parameters.Add(new("wait", ConsulDuration.ToMilliseconds(wait)));
        }

        parameters.AddRange(query);
        var target = parameters.Count == 0 ? path : $"{path}?{Encode(parameters)}";
        var display = $"{method.Method} /{path}";

        using var request = new HttpRequestMessage(method, target);
        if ((tokenOverride ?? _options.Token) is { } token)
        {
            request.Headers.TryAddWithoutValidation("X-Consul-Token", token);
        }

        if (_basicAuth is not null)
        {
            request.Headers.Authorization = _basicAuth;
        }

        if (cacheControl is not null)
        {
            request.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToJsonString()));
            request.Content.Headers.ContentType = s_json;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
            var text = await response.Content.ReadAsStringAsync(deadline.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new ConsulRequestException(
                    $"{display} at {Address} answered {(int)response.StatusCode} {Describe(response.StatusCode, text)}", (int)response.StatusCode);
            }

            ulong? index = response.Headers.TryGetValues("X-Consul-Index", out var values)
                && ulong.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
            var filtered = response.Headers.TryGetValues("X-Consul-Results-Filtered-By-ACLs", out var filteredValues)
                && filteredValues.Any(v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase));
            return new ConsulResponse(text, index, filtered);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ConsulRequestException($"{display}: Consul at {Address} did not answer within {timeout.TotalSeconds:0.###}s", null, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new ConsulRequestException($"{display}: cannot reach Consul at {Address}: {e.Message}", null, e);
        }
    }

    private static string Describe(HttpStatusCode status, string body)
    {
        var text = body.Trim();
        if (text.Length > 300)
        {
            text = string.Concat(text.AsSpan(0, 300), "…");
        }

        var hint = status == HttpStatusCode.Forbidden
            ? " (the ACL token is missing or lacks permission; set client.token, client.tokenFile or CONSUL_HTTP_TOKEN)"
            : "";
        return text.Length == 0 ? $"{status}{hint}" : $"{text}{hint}";
    }

    // Go's url.Values.Encode: keys sorted, repeated keys kept in order, empty values written as "key=".
    private static string Encode(List<KeyValuePair<string, string>> parameters) => string.Join('&', parameters
        .Select((p, i) => (p, i))
        .OrderBy(x => x.p.Key, StringComparer.Ordinal).ThenBy(x => x.i)
        .Select(x => $"{Uri.EscapeDataString(x.p.Key)}={Uri.EscapeDataString(x.p.Value)}"));

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_options.Tls.InsecureSkipVerify)
        {
            return true;
        }

        if (_trustedRoots is null || certificate is null)
        {
            return errors == SslPolicyErrors.None;
        }

        // With caFile/caPath, those roots are the only ones trusted, as in the Go SDK; the name check still applies.
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trustedRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }

    private static X509Certificate2Collection? LoadRoots(ConsulTlsOptions tls)
    {
        if (tls.CaFile is null && tls.CaPath is null)
        {
            return null;
        }

        var roots = new X509Certificate2Collection();
        if (tls.CaFile is not null)
        {
            roots.ImportFromPemFile(tls.CaFile);
        }

        if (tls.CaPath is not null)
        {
            var files = Directory.Exists(tls.CaPath) ? Directory.EnumerateFiles(tls.CaPath) : [tls.CaPath];
            foreach (var file in files)
            {
                roots.ImportFromPemFile(file);
            }
        }

        return roots;
    }

    public void Dispose()
    {
        _http.Dispose();
        _clientCertificate?.Dispose();
        if (_trustedRoots is not null)
        {
            foreach (var root in _trustedRoots)
            {
                root.Dispose();
            }
        }
    }

    private readonly record struct ConsulResponse(string Body, ulong? Index, bool FilteredByAcls);
}

/// <summary>A <c>/v1/health/service</c> answer: the entries, the blocking index, and whether ACLs hid some.</summary>
internal readonly record struct ConsulHealthResult(JsonArray Entries, ulong? Index, bool FilteredByAcls);

/// <summary>Consul could not be asked, or did not answer 200; the message says which call, where and why.</summary>
internal sealed class ConsulRequestException(string message, int? statusCode, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The HTTP status Consul answered, or null when it did not answer.</summary>
    public int? StatusCode { get; } = statusCode;
}
