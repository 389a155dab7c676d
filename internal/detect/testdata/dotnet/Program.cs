var app = WebApplication.Create(args);
app.MapGet("/healthz", () => "ok");
app.Run("http://0.0.0.0:5080");
