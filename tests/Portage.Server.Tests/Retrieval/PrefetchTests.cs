using Portage.Core.Retrieval;
using Portage.Server.Tests.Sources;
using Portage.Testing;
using Portage.Testing.Fakes;

namespace Portage.Server.Tests.Retrieval;

/// <summary>copass-compat §6.8: a new session's first turn starts from the top discover items; a continued one does not.</summary>
public sealed class PrefetchTests
{
    [Fact]
    public async Task A_new_session_gets_the_discover_block_before_the_users_message_and_a_continued_one_does_not()
    {
        var provider = new ScriptedChatClient();
        using var app = new PortageApp([Providers.Scripted(provider)]);
        await app.IngestAsync(Knowledge.RateLimitNotes());

        var first = await app.RunAsync(Runs.Body("How do rate limits work?", provider: "scripted"));
        await app.RunAsync(Runs.Body("And retries?", provider: "scripted", session: first.SessionId));

        var opening = provider.Calls[0].Messages[^1].Text;
        Assert.StartsWith("<copass_context>\nPre-fetched from the sandbox knowledge graph based on the user's question.\nQuery: How do rate limits work?", opening, StringComparison.Ordinal);
        Assert.Contains("1. (score: 1.00) rate-limits-", opening, StringComparison.Ordinal);
        Assert.Contains("canonical_ids: ['file:docs/rate-limits-", opening, StringComparison.Ordinal);
        Assert.EndsWith("</copass_context>\n\nHow do rate limits work?", opening, StringComparison.Ordinal);
        Assert.Equal("You are a helpful agent.", provider.Calls[0].Messages[0].Text); // the system prompt is untouched
        Assert.DoesNotContain("<copass_context>", provider.Calls[1].Messages[^1].Text, StringComparison.Ordinal);

        // The block is context, not a turn: the window records the user's words only.
        var turns = await app.TurnsAsync(first.WindowId);
        Assert.Equal("How do rate limits work?", turns[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_sandbox_without_content_gets_no_block_and_no_retrieval_tools()
    {
        var provider = new ScriptedChatClient();
        using var app = new PortageApp([Providers.Scripted(provider)]);

        await app.RunAsync(Runs.Body("Hello", provider: "scripted"));

        Assert.Equal("Hello", provider.Calls[0].Messages[^1].Text);
        Assert.Null(provider.Calls[0].Options!.Tools);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_new_sessions_run_asks_the_store_once_whether_the_sandbox_has_content(bool ingested)
    {
        var provider = new ScriptedChatClient();
        var checks = new ContentChecks();
        using var app = checks.App(provider);
        if (ingested)
        {
            await app.IngestAsync(Knowledge.RateLimitNotes());
        }

        var before = checks.Count;
        await app.RunAsync(Runs.Body("How do rate limits work?", provider: "scripted"));

        // The tool offer asks; the prefetch uses its answer.
        Assert.Equal(1, checks.Count - before);
        Assert.Equal(ingested, provider.Calls[0].Messages[^1].Text.StartsWith("<copass_context>", StringComparison.Ordinal));
        Assert.Equal(ingested, provider.Calls[0].Options!.Tools is { Count: > 0 });
    }

    [Fact]
    public async Task Whether_a_sandbox_has_content_is_asked_once_while_fresh_and_an_ingest_or_a_purge_reaches_the_next_run_at_once()
    {
        var provider = new ScriptedChatClient();
        var checks = new ContentChecks();
        using var app = checks.App(provider);
        async Task<bool> OfferedAsync()
        {
            await app.RunAsync(Runs.Body("How do rate limits work?", provider: "scripted", newWindow: true));
            return provider.Calls[^1].Options?.Tools is { Count: > 0 };
        }

        Assert.False(await OfferedAsync());
        Assert.False(await OfferedAsync());
        Assert.Equal(1, checks.Count); // the second run used the first one's answer

        var source = await app.RegisterAsync("""{"provider": "custom", "name": "notes"}""");
        await app.IngestAsync([("notes/rate-limits.md", "# Rate limits\n\nThe gateway throttles bursts.")], dataSourceId: source.Id());

        Assert.True(await OfferedAsync());
        Assert.True(await OfferedAsync());
        Assert.Equal(2, checks.Count);

        Assert.Equal(200, (await app.PostJsonAsync(app.SourcePath(source.Id(), "purge"), null)).Status);
        Assert.False(await OfferedAsync());
        Assert.Equal(3, checks.Count);
    }

    /// <summary>Counts the store's answers to "does the sandbox have content?" in an app that runs the scripted provider.</summary>
    private sealed class ContentChecks
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public PortageApp App(ScriptedChatClient provider) =>
            new([Providers.Scripted(provider)], services: s => StoreInterceptor.Replace<IContentIndex>(s, call =>
            {
                if (call.Method == nameof(IContentIndex.HasContentAsync))
                {
                    Interlocked.Increment(ref _count);
                }

                return call.Proceed();
            }));
    }
}
