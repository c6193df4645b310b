using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

// App2 of the seed (Dapr's hello-docker-compose "nodeapp") in C#: it receives orders by service
// invocation and saves each one in the state store "statestore" through its Dapr HTTP port. Like any
// Dapr app it only knows its sidecar's local port; that a link and a satcar on another host answer
// there instead of daprd is invisible to it.
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

var app = builder.Build();
var log = app.Logger;

app.MapPost("/neworder", async (HttpRequest request, IHttpClientFactory clients, CancellationToken cancellationToken) =>
{
    JsonNode? order;
    try
    {
        order = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
    }
    catch (JsonException)
    {
        return Results.BadRequest("expected {\"data\":{\"orderId\":n}}");
    }

    if (order?["data"] is not JsonObject data || data["orderId"] is not JsonValue orderIdNode)
    {
        return Results.BadRequest("expected {\"data\":{\"orderId\":n}}");
    }

    var orderId = orderIdNode.GetValueKind() == JsonValueKind.String ? orderIdNode.GetValue<string>() : orderIdNode.ToJsonString();
    var state = new JsonArray(new JsonObject { ["key"] = "order", ["value"] = data.DeepClone() });
    using var saved = await clients.CreateClient(Dapr.Client).PostAsync(
        "v1.0/state/statestore", new StringContent(state.ToJsonString(), Encoding.UTF8, "application/json"), cancellationToken);
    if (!saved.IsSuccessStatusCode)
    {
        var error = await saved.Content.ReadAsStringAsync(cancellationToken);
        Log.PersistFailed(log, orderId, (int)saved.StatusCode, error);
        return Results.Problem($"Failed to persist state for Order ID: {orderId}", statusCode: StatusCodes.Status500InternalServerError);
    }

    Log.Persisted(log, orderId);
    return Results.Ok();
});

// The latest order, read back from the state store.
app.MapGet("/order", async (IHttpClientFactory clients, CancellationToken cancellationToken) =>
{
    using var response = await clients.CreateClient(Dapr.Client).GetAsync("v1.0/state/statestore/order", cancellationToken);
    if (response.StatusCode == HttpStatusCode.NoContent)
    {
        return Results.NotFound("no order yet");
    }

    var body = await response.Content.ReadAsStringAsync(cancellationToken);
    return response.IsSuccessStatusCode
        ? Results.Content(body, "application/json")
        : Results.Problem(body, statusCode: StatusCodes.Status502BadGateway);
});

app.MapGet("/healthz", () => Results.Ok());

app.Run();

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
        if (Environment.GetEnvironmentVariable("DAPR_API_TOKEN") is { Length: > 0 } token)
        {
            client.DefaultRequestHeaders.Add("dapr-api-token", token);
        }
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Successfully persisted state for Order ID: {OrderId}")]
    public static partial void Persisted(ILogger logger, string orderId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Failed to persist state for Order ID: {OrderId}: the state store answered {Status} {Error}")]
    public static partial void PersistFailed(ILogger logger, string orderId, int status, string error);
}
