// State GET load over the Dapr HTTP API and the Dapr gRPC API with the same client loop, so the two
// protocols are compared through equal client code (.NET's SocketsHttpHandler under both): a closed loop
// of CONCURRENCY workers sending REQUESTS in all, each request timed with Stopwatch ticks. Prints one JSON
// row for bench/lib/report.py: {round, target, mean_ms, p50_ms, p99_ms, rps, failed, non2xx}.
//
//   dotnet Satcar.StateLoad.dll --protocol http|grpc --url http://127.0.0.1:3500 [--store statestore]
//     [--key k1] [--concurrency 1] [--requests 20000] [--warmup 2000] [--round 1] [--name target] [--token T]
//
// HTTP: GET {url}/v1.0/state/{store}/{key} on a pool of keep-alive HTTP/1.1 connections (one per worker).
// gRPC: Dapr/GetState on one HTTP/2 connection (h2c), the streams multiplexed as Dapr's SDKs do.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;
using Grpc.Net.Client;

var options = Options.Parse(args);
var handler = new SocketsHttpHandler
{
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    MaxConnectionsPerServer = Math.Max(1, options.Concurrency),
    UseProxy = false,
    AllowAutoRedirect = false,
};
Func<Task<bool>> send;
if (options.Protocol == "grpc")
{
    var channel = GrpcChannel.ForAddress(options.Url, new GrpcChannelOptions { HttpHandler = handler });
    var client = new Dapr.Client.Autogen.Grpc.v1.Dapr.DaprClient(channel);
    var request = new GetStateRequest { StoreName = options.Store, Key = options.Key };
    var headers = options.Token is null ? null : new Metadata { { "dapr-api-token", options.Token } };
    send = async () =>
    {
        var response = await client.GetStateAsync(request, headers);
        return !response.Data.IsEmpty;
    };
}
else
{
    var http = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version11 };
    if (options.Token is not null)
    {
        http.DefaultRequestHeaders.Add("dapr-api-token", options.Token);
    }

    var uri = new Uri($"{options.Url.TrimEnd('/')}/v1.0/state/{options.Store}/{options.Key}");
    send = async () =>
    {
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseContentRead);
        _ = await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode == HttpStatusCode.OK;
    };
}

await RunAsync(options.Warmup, options.Concurrency, send, record: null);
var ticks = new long[options.Requests];
var failed = new int[1];
var non200 = new int[1];
var started = Stopwatch.GetTimestamp();
await RunAsync(options.Requests, options.Concurrency, send, (index, elapsed, ok, error) =>
{
    ticks[index] = elapsed;
    if (error)
    {
        Interlocked.Increment(ref failed[0]);
    }
    else if (!ok)
    {
        Interlocked.Increment(ref non200[0]);
    }
});
var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

var ms = ticks.Select(t => t * 1000.0 / Stopwatch.Frequency).Order().ToArray();
double Percentile(double p) => ms[Math.Clamp((int)Math.Ceiling(p / 100 * ms.Length) - 1, 0, ms.Length - 1)];
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["round"] = options.Round,
    ["target"] = options.Name,
    ["mean_ms"] = Math.Round(ms.Average(), 4),
    ["p50_ms"] = Math.Round(Percentile(50), 4),
    ["p99_ms"] = Math.Round(Percentile(99), 4),
    ["rps"] = Math.Round(options.Requests / seconds, 1),
    ["failed"] = failed[0],
    ["non2xx"] = non200[0],
}));
return failed[0] == 0 && non200[0] == 0 ? 0 : 1;

static async Task RunAsync(int count, int concurrency, Func<Task<bool>> send, Action<int, long, bool, bool>? record)
{
    var next = -1;
    var workers = Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int index;
        while ((index = Interlocked.Increment(ref next)) < count)
        {
            var start = Stopwatch.GetTimestamp();
            bool ok, error = false;
            try
            {
                ok = await send();
            }
            catch (Exception e) when (e is HttpRequestException or RpcException or TaskCanceledException)
            {
                ok = false;
                error = true;
            }

            record?.Invoke(index, Stopwatch.GetTimestamp() - start, ok, error);
        }
    });
    await Task.WhenAll(workers);
}

internal sealed record Options(
    string Protocol, string Url, string Store, string Key, int Concurrency, int Requests, int Warmup, int Round, string Name, string? Token)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value pairs, got '{args[i]}'");
            }

            values[args[i][2..]] = args[i + 1];
        }

        string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);
        int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var protocol = Get("protocol", "http");
        if (protocol is not ("http" or "grpc"))
        {
            throw new ArgumentException($"--protocol must be http or grpc, got '{protocol}'");
        }

        var url = values.TryGetValue("url", out var u) ? u : throw new ArgumentException("--url is required");
        return new Options(protocol, url, Get("store", "statestore"), Get("key", "k1"), Int("concurrency", 1),
            Int("requests", 20000), Int("warmup", 2000), Int("round", 1), Get("name", protocol), values.GetValueOrDefault("token"));
    }
}
