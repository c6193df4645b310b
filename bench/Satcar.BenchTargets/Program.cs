// The reference endpoints benchmarks compare satcar with: the smallest Kestrel app that answers like
// the satcar's health check (204) and like an app under test (echo). Same runtime, same server, no
// Dapr logic, so the difference to satcar is what satcar adds.
//
//   dotnet Satcar.BenchTargets.dll --urls http://127.0.0.1:5050
//   GET /healthz -> 204      GET /ping -> 200 "ok"      POST /echo -> 200 with the request body (Content-Length)
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
var app = builder.Build();

app.MapGet("/healthz", () => Results.NoContent());
app.MapGet("/ping", () => Results.Text("ok"));
// The body is buffered (it is small) so the response carries a Content-Length instead of being chunked: ab -k speaks
// HTTP/1.0, where a response without Content-Length makes Kestrel close the connection, and ab would then measure a
// new connection per request while an HTTP/1.1 client keeps its connection.
app.MapPost("/echo", async (HttpContext context) =>
{
    using var body = new MemoryStream(capacity: (int)Math.Clamp(context.Request.ContentLength ?? 0, 0, 64 * 1024));
    await context.Request.Body.CopyToAsync(body);
    context.Response.ContentType = context.Request.ContentType ?? "application/octet-stream";
    context.Response.ContentLength = body.Length;
    await context.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length));
});

app.Run();
