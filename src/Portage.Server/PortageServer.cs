using Portage.Core.Tenancy;
using Portage.Protocol;
using Portage.Server.Endpoints;
using Portage.Server.Errors;
using Portage.Server.Mcp;
using Portage.Server.OpenAI;
using Portage.Server.OpenApi;
using Portage.Server.Sse;
using Portage.Server.Startup;
using Portage.Server.WebConsole;

namespace Portage.Server;

/// <summary>Builds and runs the router; used by <c>Program</c>, by <c>portage serve</c> and by tests.</summary>
public static class PortageServer
{
    /// <summary>Where the router listens unless <c>--urls</c> or <c>ASPNETCORE_URLS</c> say otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5757";

    /// <summary>Builds the application with its defaults: SQLite in the data folder (or PostgreSQL, see <c>Storage:Provider</c>), the offline echo model.</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // Services: the engine, its store (Storage:Provider: SQLite in the data folder, or PostgreSQL) and providers;
        // options; the first-start bootstrap. Resolved when first needed, so test hosts and configuration providers added
        // after this line still apply.
        builder.Services.AddSingleton(sp => new DataFolderInfo(DataFolder.Resolve(sp.GetRequiredService<IConfiguration>()["Portage:DataFolder"])));
        builder.Services.AddPortage(builder.Configuration).AddEcho().AddAnthropic().AddGoogle().AddOpenAI()
            .UseConfiguredStore(sp => sp.GetRequiredService<DataFolderInfo>().Path);
        builder.Services.AddOptions<ServerOptions>().Bind(builder.Configuration.GetSection("Server"));
        // The HTTP JSON options are the wire's (snake_case, strict numbers): endpoints write with the source-generated
        // contexts, and the OpenAPI document's schemas are generated from these options, so they show the wire's names.
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ProtocolJson.Wire);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, OpenAIJson.Default);
        });
        builder.Services.AddPortageOpenApi();
        builder.Services.AddHostedService<FirstStart>();
        builder.Services.AddSingleton<StreamKeyWatch>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StreamKeyWatch>());
        builder.Services.AddSingleton<RunStreaming>();
        builder.Services.AddSingleton<ChatCompletions>();
        builder.Services.AddSingleton<Portage.Server.OpenAI.Responses.Responses>();
        builder.Services.AddSingleton<Portage.Server.OpenAI.Responses.StoredResponses>();
        builder.Services.AddPortageMcp();
        builder.AddPortageTelemetry();

        var app = builder.Build();

        // Middleware: errors become {"error","detail"} with a real status, before any byte is sent; nosniff on every
        // response; one body size limit.
        app.UseMiddleware<ErrorMiddleware>();
        app.UsePortageSecurityHeaders();
        app.UsePortageRequestLimits();

        // The web console's files, before routing: the fallback below would otherwise claim "/".
        app.UsePortageConsole();
        app.UseRouting();
        app.MapPortageMcp();

        // Endpoints, one class per resource.
        app.MapPortageMetrics();
        app.MapPortageConsole();
        app.MapPortageHealth();
        app.MapPortageOpenApi();
        var api = app.MapGroup("/api/v1").AddEndpointFilter<ApiKeyFilter>().ProducesPortageErrors();
        // Everything inside one sandbox sits in a group whose SandboxFilter looks the sandbox up once, after the key.
        var sandbox = api.MapSandboxGroup("/storage/sandboxes/{sandboxId}");
        api.MapSandboxes(sandbox);
        api.MapApiKeys();
        api.MapProviders();
        api.MapUsage();
        api.MapBalance();
        sandbox.MapAgentRuns();
        sandbox.MapRunList();
        sandbox.MapLimits();
        sandbox.MapSources();
        sandbox.MapIngest();
        api.MapShorthandIngest();
        api.MapSandboxGroup("/query/sandboxes/{sandboxId}").MapQueries();
        // OpenAI's Chat Completions and model list, on the same keys (errors in OpenAI's shape).
        app.MapOpenAICompatible();
        // Every unmatched path, file-like ones included ("/api/v1/x.json"): the default pattern skips those, which then got an empty 404.
        app.MapFallback("{*path}", ErrorMiddleware.UnknownRoute);
        return app;
    }

    /// <summary>
    /// Builds and runs until <paramref name="cancellationToken"/> or Ctrl+C; returns the exit code. A start that fails
    /// (address in use, store unusable, bad setting) writes what is wrong and what to do to <paramref name="error"/> in
    /// two lines, leaves no data folder it created behind, and returns 1.
    /// </summary>
    public static Task<int> RunAsync(string[] args, TextWriter error, CancellationToken cancellationToken = default) =>
        StartupFailure.RunAsync(() => Build(args), error, cancellationToken);
}
