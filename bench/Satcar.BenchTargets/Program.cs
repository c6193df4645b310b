// The reference endpoints benchmarks compare satcar with: the smallest Kestrel app that answers like
// the satcar's health check (204) and like an app under test (echo). Same runtime, same server, no
// Dapr logic, so the difference to satcar is what satcar adds.
//
//   dotnet Satcar.BenchTargets.dll --urls http://127.0.0.1:5050
//   GET /healthz -> 204      GET /ping -> 200 "ok"      POST /echo -> 200 with the request body
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
var app = builder.Build();

app.MapGet("/healthz", () => Results.NoContent());
app.MapGet("/ping", () => Results.Text("ok"));
app.MapPost("/echo", async (HttpContext context) =>
{
    context.Response.ContentType = context.Request.ContentType ?? "application/octet-stream";
    await context.Request.Body.CopyToAsync(context.Response.Body);
});

app.Run();
