using System.Text;

// App1 of the seed (Dapr's hello-docker-compose "pythonapp") in C#: once a second it invokes the
// method "neworder" of the app "orderstore" through its Dapr HTTP port, with {"data":{"orderId":n}}.
// Like any Dapr app it only knows its sidecar's local port.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddSimpleConsole(options =>
{
    options.SingleLine = true;
    options.TimestampFormat = "HH:mm:ss ";
});

// One line per order is the story; per-request lines of ASP.NET Core and HttpClient would drown it.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
builder.Services.AddHttpClient(Dapr.Client, Dapr.Configure);
builder.Services.AddHostedService<OrderLoop>();

var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok());
app.Run();

/// <summary>Sends order 1, 2, 3, ... one a second, as the seed's Python app does.</summary>
internal sealed class OrderLoop(IHttpClientFactory clients, ILogger<OrderLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = clients.CreateClient(Dapr.Client);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        for (var orderId = 1; await timer.WaitForNextTickAsync(stoppingToken); orderId++)
        {
            var order = new StringContent($$$"""{"data":{"orderId":{{{orderId}}}}}""", Encoding.UTF8, "application/json");
            try
            {
                using var response = await client.PostAsync("v1.0/invoke/orderstore/method/neworder", order, stoppingToken);
                if (response.IsSuccessStatusCode)
                {
                    Log.Sent(logger, orderId);
                }
                else
                {
                    Log.Refused(logger, orderId, (int)response.StatusCode, await response.Content.ReadAsStringAsync(stoppingToken));
                }
            }
            catch (HttpRequestException e)
            {
                Log.Unreachable(logger, orderId, e.Message);
            }
        }
    }
}

/// <summary>Where the Dapr HTTP API is, found the way the Dapr SDKs find it.</summary>
internal static class Dapr
{
    public const string Client = "dapr";

    /// <summary>DAPR_HTTP_ENDPOINT when set, else localhost:DAPR_HTTP_PORT (3500 by default); DAPR_API_TOKEN when set.</summary>
    public static void Configure(HttpClient client)
    {
        var endpoint = Environment.GetEnvironmentVariable("DAPR_HTTP_ENDPOINT") is { Length: > 0 } configured
            ? configured
            : $"http://localhost:{Environment.GetEnvironmentVariable("DAPR_HTTP_PORT") ?? "3500"}";
        client.BaseAddress = new Uri(endpoint.TrimEnd('/') + "/");
        client.Timeout = TimeSpan.FromSeconds(10);
        if (Environment.GetEnvironmentVariable("DAPR_API_TOKEN") is { Length: > 0 } token)
        {
            client.DefaultRequestHeaders.Add("dapr-api-token", token);
        }
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Sent order {OrderId}")]
    public static partial void Sent(ILogger logger, int orderId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Order {OrderId} was refused: {Status} {Error}")]
    public static partial void Refused(ILogger logger, int orderId, int status, string error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Order {OrderId} could not be sent: {Error}")]
    public static partial void Unreachable(ILogger logger, int orderId, string error);
}
