// Tiny ASP.NET Core 8 service used as a slipway example.
//
// Listens on 0.0.0.0:$PORT (default 8080) and serves GET / and GET /healthz.
// `hello-dotnet --healthcheck` probes http://127.0.0.1:$PORT/healthz and exits
// 0 if healthy, 1 otherwise (for exec-form Docker HEALTHCHECKs on shell-less images).
// SIGTERM is handled by the generic host: graceful shutdown, exit code 0.

var port = int.TryParse(Environment.GetEnvironmentVariable("PORT"), out var p) ? p : 8080;

if (args.Contains("--healthcheck"))
{
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
    try
    {
        using var resp = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
        return (int)resp.StatusCode == 200 ? 0 : 1;
    }
    catch (Exception e)
    {
        Console.Error.WriteLine($"healthcheck: {e.Message}");
        return 1;
    }
}

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls($"http://0.0.0.0:{port}");
// Keep the log to one startup line (below) instead of the default lifetime chatter.
builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

var app = builder.Build();

app.MapGet("/", () => Results.Json(new { message = "hello from dotnet" }));
app.MapGet("/healthz", () => Results.Text("ok"));

app.Lifetime.ApplicationStarted.Register(
    () => Console.WriteLine($"hello-dotnet listening on 0.0.0.0:{port}"));

await app.RunAsync();
return 0;
