// A todo API on ASP.NET Core's minimal hosting model, with health checks.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHealthChecks();

var app = builder.Build();

var todos = new List<Todo>();

app.MapGet("/todos", () => todos);
app.MapPost("/todos", (Todo todo) =>
{
    todos.Add(todo);
    return Results.Created($"/todos/{todo.Id}", todo);
});
app.MapHealthChecks("/healthz");

app.Run();

record Todo(int Id, string Title, bool Done);
