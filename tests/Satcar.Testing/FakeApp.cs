using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Satcar.Testing;

/// <summary>
/// An app for a satcar to call: Kestrel on a loopback port chosen by the OS, recording every request.
/// By default <c>/status/{code}</c> answers that status, <c>/echo…</c> returns the body with its content
/// type, and any other path answers 200 with a JSON description of the request.
/// </summary>
public sealed class FakeApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private FakeApp(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = null!;

    public int Port => BaseUri.Port;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>How many requests reached a path that starts with <paramref name="pathPrefix"/>.</summary>
    public int CountFor(string pathPrefix) => _requests.Count(r => r.Path.StartsWith(pathPrefix, StringComparison.Ordinal));

    public void Clear() => _requests.Clear();

    /// <summary>Starts the app.</summary>
    /// <param name="address">The loopback address to listen on.</param>
    /// <param name="handler">Answers a request itself by returning true; otherwise the default handling applies.</param>
    /// <param name="port">The port, 0 for one the OS picks.</param>
    /// <param name="certificate">Serves https with this certificate instead of http.</param>
    public static async Task<FakeApp> StartAsync(
        string address = "127.0.0.1", Func<HttpContext, byte[], Task<bool>>? handler = null, int port = 0, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Parse(address), port, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        var fake = new FakeApp(app);
        app.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            fake._requests.Enqueue(RecordedRequest.From(context, body));
            if (handler is not null && await handler(context, body))
            {
                return;
            }

            await DefaultHandler(context, body);
        });
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUri = new Uri(bound);
        return fake;
    }

    private static async Task DefaultHandler(HttpContext context, byte[] body)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/status/", StringComparison.Ordinal) && int.TryParse(path["/status/".Length..], out var status))
        {
            context.Response.StatusCode = status;
            context.Response.Headers["X-App"] = "fake";
            await context.Response.WriteAsync($"status {status}");
            return;
        }

        if (path.StartsWith("/echo", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = context.Request.ContentType ?? "application/octet-stream";
            context.Response.Headers["X-Echo-Method"] = context.Request.Method;
            await context.Response.Body.WriteAsync(body);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["method"] = context.Request.Method,
            ["path"] = path,
            ["query"] = context.Request.QueryString.Value,
        }));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>What the fake app received.</summary>
public sealed record RecordedRequest(
    string Method, string Path, string RawTarget, string Query, IReadOnlyDictionary<string, string[]> Headers, byte[] Body)
{
    /// <summary>The values of a header (case-insensitive name); empty when absent.</summary>
    public string[] Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value ?? [];

    internal static RecordedRequest From(HttpContext context, byte[] body) => new(
        context.Request.Method,
        context.Request.Path.Value ?? "",
        context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "",
        context.Request.QueryString.Value ?? "",
        context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.Select(v => v ?? "").ToArray(), StringComparer.OrdinalIgnoreCase),
        body);
}
