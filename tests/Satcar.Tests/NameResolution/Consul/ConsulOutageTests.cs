using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.NameResolution;
using Satcar.Testing;
using Satcar.Testing.Consul;
using static Satcar.Tests.NameResolution.Consul.ConsulTestSupport;

namespace Satcar.Tests.NameResolution.Consul;

/// <summary>Consul down, slow, failing, guarded by ACLs or behind TLS.</summary>
public sealed class ConsulOutageTests
{
    [Fact]
    public async Task Consul_down_at_start_does_not_fail_init_and_the_registration_lands_once_it_is_back()
    {
        await using var consul = await ConsulDouble.StartAsync();
        await consul.StopListeningAsync();
        var logger = new CollectingLogger();
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true}"""), logger), CancellationToken.None);

        Assert.False(resolver.IsRegistered);
        await Eventually.TrueAsync(() => logger.Entries.Count(e => e.EventId == 2202) >= 2, "failed attempts are retried and logged");
        Assert.All(logger.Entries.Where(e => e.EventId == 2202), e =>
        {
            Assert.Equal(LogLevel.Warning, e.Level);
            Assert.Contains("cannot reach Consul", e.Message, StringComparison.Ordinal);
        });

        await consul.StartListeningAsync();
        await Eventually.TrueAsync(() => logger.Entries.Any(e => e.EventId == 2201), "the registration lands");
        Assert.True(resolver.IsRegistered);
        Assert.NotNull(consul.Service("orders-10.1.2.3-3500"));
        Assert.Single(logger.Entries, e => e.EventId == 2201);
    }

    [Fact]
    public async Task Consul_failing_at_start_is_retried_until_it_accepts_the_registration()
    {
        await using var consul = await ConsulDouble.StartAsync();
        consul.Failing = true;
        var logger = new CollectingLogger();
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true}"""), logger), CancellationToken.None);
        Assert.Contains(logger.Entries, e => e.EventId == 2202 && e.Message.Contains("answered 500", StringComparison.Ordinal));

        consul.Failing = false;
        await Eventually.TrueAsync(() => consul.Services.Count == 1, "the registration lands");
    }

    [Fact]
    public async Task Resolution_against_a_down_consul_throws_a_name_resolution_exception()
    {
        await using var consul = await ConsulDouble.StartAsync();
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul)), CancellationToken.None);
        await consul.StopListeningAsync();
        var e = await Assert.ThrowsAsync<NameResolutionException>(() => resolver.ResolveAsync("orders", "", CancellationToken.None));
        Assert.Contains("cannot resolve app id 'orders'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"cannot reach Consul at http://{consul.Address}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolution_against_a_failing_consul_throws_with_its_answer()
    {
        await using var consul = await ConsulDouble.StartAsync();
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul)), CancellationToken.None);
        consul.Failing = true;
        var e = await Assert.ThrowsAsync<NameResolutionException>(() => resolver.ResolveAsync("orders", "", CancellationToken.None));
        Assert.Contains("answered 500", e.Message, StringComparison.Ordinal);
        Assert.Contains("failing mode", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_consul_still_registers_and_resolves()
    {
        await using var consul = await ConsulDouble.StartAsync();
        AddInstance(consul, "payments", "p", "10.0.0.5", 50005);
        consul.ResponseDelay = TimeSpan.FromMilliseconds(300);
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true}""")), CancellationToken.None);
        await Eventually.TrueAsync(() => consul.Services.Count == 2, "the registration lands");
        Assert.Equal(["10.0.0.5:50005"], await ResolveTextAsync(resolver, "payments"));
    }

    [Fact]
    public async Task A_consul_slower_than_the_request_timeout_is_an_error()
    {
        await using var consul = await ConsulDouble.StartAsync();
        await using var resolver = Resolver(FastTimings with { RequestTimeout = TimeSpan.FromMilliseconds(200) });
        await resolver.InitAsync(Context(Config(consul)), CancellationToken.None);
        consul.ResponseDelay = TimeSpan.FromSeconds(3);
        var e = await Assert.ThrowsAsync<NameResolutionException>(() => resolver.ResolveAsync("orders", "", CancellationToken.None));
        Assert.Contains("did not answer within 0.2s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_acl_token_goes_on_every_request()
    {
        await using var consul = await ConsulDouble.StartAsync(new ConsulDoubleOptions { AclToken = "s3cret" });
        await using var satcar = await FakeSatcarHealth.StartAsync("orders");
        var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"client":{"token":"s3cret"},"selfRegister":true,"useCache":true}"""),
            hostAddress: "127.0.0.1", daprHttpPort: satcar.Port, appHealth: true), CancellationToken.None);
        Assert.True(resolver.IsRegistered);
        await resolver.PublishAppHealthAsync(true, "ok", CancellationToken.None);
        await Eventually.TrueAsync(() => consul.Check("daprHealth:orders-127.0.0.1-" + satcar.Port)?.Status == ConsulHealth.Passing, "the satcar is healthy");
        Assert.Equal(["127.0.0.1:50002"], await ResolveTextAsync(resolver, "orders"));
        await Eventually.TrueAsync(() => consul.Requests.Any(r => r.IsBlocking), "the cache's watch blocks");
        await resolver.DisposeAsync();

        Assert.Empty(consul.Services);
        Assert.Contains(consul.Requests, r => r.Path.StartsWith("/v1/agent/check/update/", StringComparison.Ordinal));
        Assert.Contains(consul.Requests, r => r.IsBlocking);
        Assert.All(consul.Requests, r => Assert.Equal("s3cret", r.Token));
    }

    [Fact]
    public async Task The_token_can_come_from_a_token_file()
    {
        await using var consul = await ConsulDouble.StartAsync(new ConsulDoubleOptions { AclToken = "from-file" });
        using var dir = new TempDirectory();
        var file = dir.Write("consul.token", "from-file\n");
        var configuration = Config(consul, """{"selfRegister":true}""");
        configuration["client"]!["tokenFile"] = file;
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(configuration), CancellationToken.None);
        Assert.True(resolver.IsRegistered);
    }

    [Fact]
    public async Task A_wrong_token_is_refused_with_403_and_named_in_the_errors()
    {
        await using var consul = await ConsulDouble.StartAsync(new ConsulDoubleOptions { AclToken = "s3cret" });
        var logger = new CollectingLogger();
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"client":{"token":"wrong"},"selfRegister":true}"""), logger), CancellationToken.None);

        Assert.False(resolver.IsRegistered);
        Assert.Contains(logger.Entries, e => e.EventId == 2202 && e.Message.Contains("answered 403 ACL not found", StringComparison.Ordinal));
        var e = await Assert.ThrowsAsync<NameResolutionException>(() => resolver.ResolveAsync("orders", "", CancellationToken.None));
        Assert.Contains("403", e.Message, StringComparison.Ordinal);
        Assert.Contains("client.token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_token_writes_are_denied_and_reads_are_filtered_with_a_warning()
    {
        await using var consul = await ConsulDouble.StartAsync(new ConsulDoubleOptions { AclToken = "s3cret" });
        AddInstance(consul, "orders", "a", "10.0.0.1", 50001);
        var logger = new CollectingLogger();
        await using var resolver = Resolver();
        await resolver.InitAsync(Context(Config(consul, """{"selfRegister":true}"""), logger), CancellationToken.None);

        Assert.Contains(logger.Entries, e => e.EventId == 2202 && e.Message.Contains("403 Permission denied", StringComparison.Ordinal));
        Assert.Empty(await ResolveTextAsync(resolver, "orders"));
        Assert.Contains(logger.Entries, e => e.EventId == 2214 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task Https_with_the_ca_file_trusts_consul_and_without_it_fails()
    {
        using var certificate = SelfSigned();
        using var dir = new TempDirectory();
        var caFile = dir.Write("consul-ca.pem", certificate.ExportCertificatePem());
        await using var consul = await ConsulDouble.StartAsync(new ConsulDoubleOptions { Certificate = certificate });
        AddInstance(consul, "orders", "a", "10.0.0.1", 50001);

        await using var trusting = Resolver();
        await trusting.InitAsync(Context(new JsonObject
        {
            ["client"] = new JsonObject { ["address"] = $"https://{consul.Address}", ["tlsConfig"] = new JsonObject { ["caFile"] = caFile } },
        }), CancellationToken.None);
        Assert.Equal(["10.0.0.1:50001"], await ResolveTextAsync(trusting, "orders"));

        await using var untrusting = Resolver();
        await untrusting.InitAsync(Context(new JsonObject { ["client"] = new JsonObject { ["address"] = $"https://{consul.Address}" } }), CancellationToken.None);
        var e = await Assert.ThrowsAsync<NameResolutionException>(() => untrusting.ResolveAsync("orders", "", CancellationToken.None));
        Assert.Contains("SSL", e.Message, StringComparison.OrdinalIgnoreCase);

        var logger = new CollectingLogger();
        await using var insecure = Resolver();
        await insecure.InitAsync(Context(new JsonObject
        {
            ["client"] = new JsonObject { ["address"] = consul.Address, ["scheme"] = "https", ["tlsConfig"] = new JsonObject { ["insecureSkipVerify"] = true } },
        }, logger), CancellationToken.None);
        Assert.Equal(["10.0.0.1:50001"], await ResolveTextAsync(insecure, "orders"));
        Assert.Contains(logger.Entries, e => e.EventId == 2212 && e.Message.Contains("insecureSkipVerify", StringComparison.Ordinal));
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=consul-double", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, critical: false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
