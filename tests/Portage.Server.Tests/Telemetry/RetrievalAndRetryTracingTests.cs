using System.Diagnostics;
using System.Net.Http.Json;
using Portage.Core.Providers;
using Portage.Server.Tests.Failures;
using Portage.Server.Tests.Retrieval;
using Portage.Testing;

namespace Portage.Server.Tests.Telemetry;

/// <summary>
/// Issue 6, scope 4, read through the server's own OpenTelemetry pipeline (in-memory exporter): retrieval spans (the
/// prefetch, the tools and a REST call) and the <c>portage.retry</c> event of a provider call that is retried.
/// </summary>
public sealed class RetrievalAndRetryTracingTests
{
    [Fact]
    public async Task A_runs_prefetch_and_search_tool_are_retrieval_spans_in_its_trace()
    {
        using var app = new ObservedApp(new PortageApp());
        await Knowledge.IngestAsync(app.Client, app.Credentials.SandboxId, Knowledge.RateLimitNotes());

        var run = await app.RunAsync(Runs.Body("/search rate limits"));

        var root = app.Spans.Run(run.RunId);
        var trace = app.Spans.TraceOf(root);
        var prefetch = Assert.Single(trace, a => a.OperationName == "retrieval discover");
        Assert.Equal(root.SpanId, prefetch.ParentSpanId);
        var tool = Assert.Single(trace, a => a.OperationName == "execute_tool search");
        Assert.Equal(root.SpanId, tool.ParentSpanId);
        var search = Assert.Single(trace, a => a.OperationName == "retrieval search");
        Assert.Equal(tool.SpanId, search.ParentSpanId);
        foreach (var (span, operation) in new[] { (prefetch, "discover"), (search, "search") })
        {
            Assert.Equal(operation, span.GetTagItem("portage.retrieval.operation"));
            Assert.Equal(run.RunId, span.GetTagItem("portage.run.id"));
            Assert.Equal(run.WindowId, span.GetTagItem("portage.window.id"));
            Assert.Equal(app.Credentials.SandboxId, span.GetTagItem("portage.sandbox.id"));
            Assert.NotEqual(ActivityStatusCode.Error, span.Status);
        }

        // The query is the user's text: it stays out of every span.
        Assert.DoesNotContain(trace.SelectMany(a => a.TagObjects), t => t.Value is string s && s.Contains("rate limits", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rest_discover_is_a_retrieval_span_under_the_http_request_without_a_window()
    {
        using var app = new ObservedApp(new PortageApp());
        await Knowledge.IngestAsync(app.Client, app.Credentials.SandboxId, Knowledge.RateLimitNotes());

        using var response = await app.Client.PostAsJsonAsync($"/api/v1/query/sandboxes/{app.Credentials.SandboxId}/discover", new { query = "rate limits" });
        response.EnsureSuccessStatusCode();

        var discover = Assert.Single(app.Spans.Snapshot(), a => a.OperationName == "retrieval discover" && (string?)a.GetTagItem("portage.sandbox.id") == app.Credentials.SandboxId);
        var request = Assert.Single(app.Spans.TraceOf(discover), a => a.SpanId == discover.ParentSpanId);
        Assert.Equal(ActivityKind.Server, request.Kind);
        Assert.Null(discover.GetTagItem("portage.window.id"));
        Assert.Null(discover.GetTagItem("portage.run.id"));
    }

    [Fact]
    public async Task A_retried_provider_call_is_a_failed_chat_span_with_a_portage_retry_event_then_a_second_call()
    {
        var provider = ProviderRetryTests.FailingFirst(1, _ => new ProviderException("scripted", "Rate limited (HTTP 429)", 429, TimeSpan.FromMilliseconds(7)));
        using var app = new ObservedApp(new PortageApp([Providers.Scripted(provider)]));

        var run = await app.RunAsync(Runs.Body("hi", provider: "scripted"));

        Assert.True(run.Finished);
        var root = app.Spans.Run(run.RunId);
        var calls = app.Spans.TraceOf(root).Where(a => a.OperationName == "chat scripted-model").OrderBy(a => a.StartTimeUtc).ToList();
        Assert.Equal(2, calls.Count);
        var (failed, retried) = (calls[0], calls[1]);

        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        var retry = Assert.Single(failed.Events, e => e.Name == "portage.retry");
        Assert.Equal("ProviderException", retry.Tags.Single(t => t.Key == "error.type").Value);
        Assert.Equal(7.0, retry.Tags.Single(t => t.Key == "portage.retry.delay_ms").Value);
        Assert.Null(failed.GetTagItem("portage.retry"));

        Assert.Equal(1, retried.GetTagItem("portage.retry"));
        Assert.NotEqual(ActivityStatusCode.Error, retried.Status);
        Assert.Single(retried.Events, e => e.Name == "gen_ai.first_token");

        // The run span carries the retry too, and ends well.
        Assert.Single(root.Events, e => e.Name == "portage.retry");
        Assert.NotEqual(ActivityStatusCode.Error, root.Status);
    }
}
