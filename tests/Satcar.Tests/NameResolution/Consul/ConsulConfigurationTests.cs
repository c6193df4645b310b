using System.Text.Json.Nodes;
using Satcar.Components.NameResolution.Consul;
using Satcar.Runtime.NameResolution;
using Satcar.Testing;

namespace Satcar.Tests.NameResolution.Consul;

/// <summary>Reading <c>spec.nameResolution.configuration</c> and building the registration, without sockets.</summary>
public sealed class ConsulConfigurationTests
{
    private static ConsulOptions Read(string json, IReadOnlyDictionary<string, string>? environment = null, List<string>? warnings = null) =>
        ConsulOptions.Read(JsonNode.Parse(json)!.AsObject(), n => environment is not null && environment.TryGetValue(n, out var v) ? v : null, warnings ?? []);

    private static NameResolutionConfigurationException Invalid(string json, IReadOnlyDictionary<string, string>? environment = null) =>
        Assert.Throws<NameResolutionConfigurationException>(() => Read(json, environment));

    [Fact]
    public void Without_configuration_uses_the_sdk_defaults_and_the_agent_cache()
    {
        var options = Read("{}");
        Assert.Equal(new Uri("http://127.0.0.1:8500/"), options.Client.BaseUri);
        Assert.Null(options.Client.Token);
        Assert.True(options.Query.UseCache);
        Assert.False(options.UseCache);
        Assert.Equal("DAPR_PORT", options.DaprPortMetaKey);
        Assert.False(options.SelfRegister);
        Assert.Null(options.SelfDeregister);
        Assert.Null(options.AdvancedRegistration);
    }

    [Fact]
    public void Keys_match_case_insensitively_as_with_gos_decoder()
    {
        var options = Read("""
            {"Client":{"ADDRESS":"consul.internal:8501","Token":"t"},"SELFREGISTER":true,"selfderegister":false,
             "DaprPortMetaKey":"PEER","UseCache":true,"QueryOptions":{"AllowStale":true}}
            """);
        Assert.Equal(new Uri("http://consul.internal:8501/"), options.Client.BaseUri);
        Assert.Equal("t", options.Client.Token);
        Assert.True(options.SelfRegister);
        Assert.False(options.SelfDeregister);
        Assert.Equal("PEER", options.DaprPortMetaKey);
        Assert.True(options.UseCache);
        Assert.True(options.Query.AllowStale);
        Assert.False(options.Query.UseCache);
    }

    [Fact]
    public void Without_client_the_consul_environment_variables_apply()
    {
        using var dir = new TempDirectory();
        var tokenFile = dir.Write("token", "  from-file \n");
        var options = Read("{}", new Dictionary<string, string>
        {
            ["CONSUL_HTTP_ADDR"] = "consul.example:8501",
            ["CONSUL_HTTP_SSL"] = "true",
            ["CONSUL_HTTP_SSL_VERIFY"] = "false",
            ["CONSUL_HTTP_TOKEN"] = "from-env",
            ["CONSUL_HTTP_TOKEN_FILE"] = tokenFile,
            ["CONSUL_HTTP_AUTH"] = "user:pa:ss",
        });
        Assert.Equal(new Uri("https://consul.example:8501/"), options.Client.BaseUri);
        Assert.True(options.Client.Tls.InsecureSkipVerify);
        Assert.Equal("from-file", options.Client.Token);
        Assert.Equal("user", options.Client.Username);
        Assert.Equal("pa:ss", options.Client.Password);
    }

    [Fact]
    public void Client_fields_win_over_the_environment_and_empty_ones_are_filled_from_it()
    {
        var options = Read("""{"client":{"address":"http://consul.internal:8500"}}""", new Dictionary<string, string>
        {
            ["CONSUL_HTTP_ADDR"] = "elsewhere:1",
            ["CONSUL_HTTP_TOKEN"] = "from-env",
        });
        Assert.Equal(new Uri("http://consul.internal:8500/"), options.Client.BaseUri);
        Assert.Equal("from-env", options.Client.Token);
    }

    [Fact]
    public void An_address_carries_its_scheme_and_a_path_prefix()
    {
        var options = Read("""{"client":{"address":"https://consul.example:8501/consul/"}}""");
        Assert.Equal(new Uri("https://consul.example:8501/consul/"), options.Client.BaseUri);

        // As in the Go SDK, "http://" in the address does not undo an explicit https scheme.
        var explicitHttps = Read("""{"client":{"address":"http://consul.example:8501","scheme":"https"}}""");
        Assert.Equal("https", explicitHttps.Client.BaseUri.Scheme);
    }

    [Fact]
    public void A_token_file_wins_over_a_token()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("token", "secret-from-file");
        var options = Read($$$"""{"client":{"token":"inline","tokenFile":"{{{file.Replace("\\", "\\\\", StringComparison.Ordinal)}}}"}}""");
        Assert.Equal("secret-from-file", options.Client.Token);
    }

    [Fact]
    public void Every_error_names_its_field_and_all_are_reported_at_once()
    {
        var e = Invalid("""
            {"client":{"address":"ftp://x:1","scheme":"gopher","waitTime":"soon","tokenFile":"/does/not/exist"},
             "selfRegister":"sometimes","tags":5,"meta":{"a":[1]},
             "queryOptions":{"maxAge":"-","relayFactor":9},
             "checks":[{"interval":"often","http":"http://x"},7],
             "advancedRegistration":{"port":"eighty","checks":[{"status":"fine"}]}}
            """);
        Assert.Contains("nameResolution.configuration.client.address: unknown protocol scheme 'ftp'", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.client.scheme: must be http or https", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.client.waitTime: must be a duration", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.client.tokenFile: cannot read the token file", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.selfRegister: must be true or false", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.tags: must be a list of strings", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.meta.a: must be a string", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.queryOptions.maxAge: must be a duration", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.queryOptions.relayFactor: must be a whole number from 0 to 5", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.checks[0].interval: must be a duration", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.checks[1]: must be an object", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.advancedRegistration.port: must be a whole number from 0 to 65535, got \"eighty\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.advancedRegistration.checks[0].status: must be passing, warning or critical", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.advancedRegistration.name: is required", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unix_sockets_and_bad_environment_values_are_refused_by_name()
    {
        Assert.Contains("nameResolution.configuration.client.address: unix sockets are not supported",
            Invalid("""{"client":{"address":"unix:///var/run/consul.sock"}}""").Message, StringComparison.Ordinal);
        Assert.Contains("CONSUL_HTTP_SSL: must be true or false",
            Invalid("{}", new Dictionary<string, string> { ["CONSUL_HTTP_SSL"] = "perhaps" }).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_files_must_exist_and_a_certificate_needs_its_key()
    {
        var e = Invalid("""{"client":{"address":"https://consul:8501","tlsConfig":{"caFile":"/no/ca.pem","certFile":"/no/cert.pem"}}}""");
        Assert.Contains("nameResolution.configuration.client.tlsConfig.caFile: file '/no/ca.pem' does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("nameResolution.configuration.client.tlsConfig.certFile: a client certificate needs keyFile as well", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"10s\"", 10_000)]
    [InlineData("10000000000", 10_000)]
    [InlineData("\"10000000000\"", 10_000)]
    [InlineData("\"1m30s\"", 90_000)]
    [InlineData("\"250ms\"", 250)]
    [InlineData("1500000", 1.5)]
    public void Durations_are_go_strings_or_nanoseconds(string json, double milliseconds)
    {
        var options = Read($$$"""{"client":{"waitTime":{{{json}}}},"queryOptions":{"waitTime":{{{json}}}}}""");
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.Client.WaitTime);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.Query.WaitTime);
    }

    [Fact]
    public void Check_durations_are_sent_as_go_strings_whichever_form_they_came_in()
    {
        var options = Read("""{"checks":[{"name":"a","http":"http://x/","interval":5000000000,"timeout":"1500ms","deregisterCriticalServiceAfter":"90s"}]}""");
        var check = Assert.IsType<JsonObject>(Assert.Single(options.Checks));
        Assert.Equal("5s", (string?)check["Interval"]);
        Assert.Equal("1500ms", (string?)check["Timeout"]);
        Assert.Equal("90s", (string?)check["DeregisterCriticalServiceAfter"]);
    }

    [Fact]
    public void Query_options_become_the_go_sdks_query_parameters()
    {
        var options = Read("""
            {"queryOptions":{"datacenter":"dc2","allowStale":true,"useCache":true,"maxAge":"30s","staleIfError":"1m",
              "filter":"Service.Tags contains dapr","near":"_agent","nodeMeta":{"rack":"r1"},"token":"q"}}
            """);
        var query = new List<KeyValuePair<string, string>>();
        options.Query.AddTo(query, agentCache: true);
        Assert.Equal(
            ["dc=dc2", "stale=", "near=_agent", "filter=Service.Tags contains dapr", "node-meta=rack:r1", "cached="],
            query.Select(p => $"{p.Key}={p.Value}"));
        Assert.Equal("max-age=30, stale-if-error=60", options.Query.CacheControl(agentCache: true));
        Assert.Equal("q", options.Query.Token);

        // The Go SDK drops ?cached when a consistent read is asked for.
        var consistent = Read("""{"queryOptions":{"useCache":true,"requireConsistent":true}}""");
        var consistentQuery = new List<KeyValuePair<string, string>>();
        consistent.Query.AddTo(consistentQuery, agentCache: true);
        Assert.Equal(["consistent="], consistentQuery.Select(p => $"{p.Key}={p.Value}"));
    }

    [Fact]
    public void Unknown_keys_are_reported_as_ignored()
    {
        var warnings = new List<string>();
        Read("""{"address":"flat-key-from-metadata-yaml","client":{"namespace":"ns"},"queryOptions":{"partition":"p"}}""", warnings: warnings);
        Assert.Contains(warnings, w => w.StartsWith("nameResolution.configuration.address:", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("nameResolution.configuration.client.namespace:", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("nameResolution.configuration.queryOptions.partition:", StringComparison.Ordinal));
    }

    [Fact]
    public void Self_registration_generates_daprs_registration_with_a_reaping_default_check()
    {
        var options = Read("""{"selfRegister":true}""");
        var registration = ConsulRegistration.Create(options, ConsulTestSupport.Context([], appId: "orders", hostAddress: "10.1.2.3",
            peerPort: 50002, daprHttpPort: 3500, appPort: 8080))!;
        Assert.Equal("""
            {"ID":"orders-10.1.2.3-3500","Name":"orders","Port":8080,"Address":"10.1.2.3","Meta":{"DAPR_PORT":"50002"},"Check":null,"Checks":[{"CheckID":"daprHealth:orders-10.1.2.3-3500","Name":"Dapr Health Status","Interval":"15s","HTTP":"http://10.1.2.3:3500/v1.0/healthz?appid=orders","DeregisterCriticalServiceAfter":"1m"}]}
            """.Trim(), registration.Body.ToJsonString());
        Assert.Equal("orders-10.1.2.3-3500", registration.ServiceId);
        Assert.Null(registration.AppHealthCheckId);
    }

    [Fact]
    public void Self_registration_without_an_app_port_registers_the_peer_port()
    {
        var registration = ConsulRegistration.Create(Read("""{"selfRegister":true}"""), ConsulTestSupport.Context([], appPort: null, peerPort: 47000))!;
        Assert.True(registration.PortFallsBackToPeerPort);
        Assert.Equal(47000, (int)registration.Body["Port"]!);
    }

    [Fact]
    public void Self_registration_takes_tags_meta_and_checks_and_forces_the_port_meta()
    {
        var options = Read("""
            {"selfRegister":true,"tags":["blue","v2"],"meta":{"zone":"a","DAPR_PORT":"1"},
             "checks":[{"name":"tcp","tcp":"10.1.2.3:50002","interval":"5s","args":["x"]}]}
            """);
        var registration = ConsulRegistration.Create(options, ConsulTestSupport.Context([], hostAddress: "fd00::5", peerPort: 50002))!;
        var body = registration.Body;
        Assert.Equal(["blue", "v2"], body["Tags"]!.AsArray().Select(t => (string?)t));
        Assert.Equal("a", (string?)body["Meta"]!["zone"]);
        Assert.Equal("50002", (string?)body["Meta"]!["DAPR_PORT"]);
        var check = Assert.Single(body["Checks"]!.AsArray())!;
        Assert.Equal("""{"Name":"tcp","ScriptArgs":["x"],"Interval":"5s","TCP":"10.1.2.3:50002"}""", check.ToJsonString());
        Assert.Equal("orders-fd00::5-3500", registration.ServiceId);
    }

    [Fact]
    public void The_default_check_brackets_an_ipv6_host()
    {
        var registration = ConsulRegistration.Create(Read("""{"selfRegister":true}"""), ConsulTestSupport.Context([], hostAddress: "fd00::5"))!;
        Assert.Equal("http://[fd00::5]:3500/v1.0/healthz?appid=orders", (string?)registration.Body["Checks"]![0]!["HTTP"]);
    }

    [Fact]
    public void Advanced_registration_is_used_as_given_with_the_port_meta_forced_and_a_string_port_accepted()
    {
        var options = Read("""
            {"selfRegister":true,"tags":["ignored"],"daprPortMetaKey":"PEER_PORT",
             "advancedRegistration":{"name":"orders","port":"3000","address":"satcar.example.net","meta":{"PEER_PORT":"1","x":"y"},
               "weights":{"passing":10,"warning":1},"check":{"ttl":"30s"},"enableTagOverride":true}}
            """);
        var registration = ConsulRegistration.Create(options, ConsulTestSupport.Context([], peerPort: 50002))!;
        Assert.Equal("""
            {"Name":"orders","Port":3000,"Address":"satcar.example.net","EnableTagOverride":true,"Meta":{"PEER_PORT":"50002","x":"y"},"Weights":{"Passing":10,"Warning":1},"Check":{"TTL":"30s"},"Checks":null}
            """.Trim(), registration.Body.ToJsonString());
        Assert.Equal("orders", registration.ServiceId);
    }

    [Theory]
    [InlineData(5, "15s")]
    [InlineData(2, "10s")]
    [InlineData(30, "90s")]
    public void App_health_adds_a_ttl_check_that_outlives_three_probes_and_starts_critical(int probeSeconds, string ttl)
    {
        var registration = ConsulRegistration.Create(Read("""{"selfRegister":true}"""),
            ConsulTestSupport.Context([], appHealth: true, probeInterval: TimeSpan.FromSeconds(probeSeconds)))!;
        Assert.Equal("appHealth:orders-10.1.2.3-3500", registration.AppHealthCheckId);
        var checks = registration.Body["Checks"]!.AsArray();
        Assert.Equal(2, checks.Count);
        var appHealth = checks[1]!;
        Assert.Equal("App Health Status", (string?)appHealth["Name"]);
        Assert.Equal(ttl, (string?)appHealth["TTL"]);
        Assert.Equal("critical", (string?)appHealth["Status"]);
        Assert.Null(appHealth["DeregisterCriticalServiceAfter"]);
    }

    [Fact]
    public async Task Init_refuses_a_context_without_a_usable_peer_port_or_host()
    {
        await using var resolver = ConsulTestSupport.Resolver();
        var e = await Assert.ThrowsAsync<NameResolutionConfigurationException>(() =>
            resolver.InitAsync(ConsulTestSupport.Context([], peerPort: 0), CancellationToken.None));
        Assert.Contains("peer port", e.Message, StringComparison.Ordinal);

        await using var second = ConsulTestSupport.Resolver();
        var host = await Assert.ThrowsAsync<NameResolutionConfigurationException>(() =>
            second.InitAsync(ConsulTestSupport.Context(JsonNode.Parse("""{"selfRegister":true}""")!.AsObject(), hostAddress: ""), CancellationToken.None));
        Assert.Contains("nameResolution.configuration.selfRegister", host.Message, StringComparison.Ordinal);
    }
}
