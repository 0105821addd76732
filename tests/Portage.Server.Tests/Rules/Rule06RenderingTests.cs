using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>
/// Rule 6: a fresh provider session gets the window as neutral text: tool calls with their results, no reasoning or
/// signatures from another provider, oldest turns dropped first over the model's budget.
/// </summary>
public sealed class Rule06RenderingTests
{
    [Fact]
    public async Task Fresh_session_gets_the_window_as_alternating_text_with_tool_pairs_together_and_no_reasoning()
    {
        var source = new ScriptedChatClient { Script = (_, _, ct) => ToolTurn(ct) };
        var target = new ScriptedChatClient();
        using var app = new PortageApp([Providers.Scripted(source, "source"), Providers.Scripted(target, "target")]);

        await app.RunAsync(Runs.Body("look it up", provider: "source"));
        await app.RunAsync(Runs.Body("and now?", provider: "target"));

        var sent = target.LastMessages;
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User], sent.Select(m => m.Role));
        Assert.All(sent, m => Assert.All(m.Contents, c => Assert.IsType<TextContent>(c)));
        var rendered = sent[2].Text;
        Assert.Contains("Let me check.", rendered, StringComparison.Ordinal);
        Assert.Contains("[tool call lookup {\"q\":\"x\"} → {\"found\":3}]", rendered, StringComparison.Ordinal);
        Assert.Contains("Found 3.", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-signature", JsonSerializer.Serialize(sent, AIJsonUtilities.DefaultOptions), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_the_budget_the_oldest_exchanges_go_first_whole()
    {
        var target = new ScriptedChatClient();
        // The truncation path: with compaction on, the dropped exchanges would be summarised instead.
        using var app = new PortageApp([Providers.Scripted(target, "small", budget: 150)], new Dictionary<string, string?> { ["Compaction:Enabled"] = "false" });
        foreach (var message in new[] { "first message " + new string('x', 100), "second", "third" })
        {
            await app.RunAsync(Runs.Body(message));
        }

        await app.RunAsync(Runs.Body("fourth", provider: "small"));
        var texts = target.LastMessages.Where(m => m.Role != ChatRole.System).Select(m => m.Text).ToList();
        Assert.DoesNotContain(texts, t => t.StartsWith("first message", StringComparison.Ordinal));
        Assert.Contains("third", texts);
        Assert.Equal("fourth", texts[^1]);
        Assert.Equal(ChatRole.User, target.LastMessages.First(m => m.Role != ChatRole.System).Role);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> ToolTurn([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, Contents = [new TextReasoningContent("hmm") { ProtectedData = "secret-signature" }] };
        yield return new ChatResponseUpdate(ChatRole.Assistant, "Let me check.");
        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, Contents = [new FunctionCallContent("call_1", "lookup", new Dictionary<string, object?> { ["q"] = "x" })] };
        yield return new ChatResponseUpdate { Role = ChatRole.Tool, Contents = [new FunctionResultContent("call_1", JsonDocument.Parse("{\"found\":3}").RootElement)] };
        await foreach (var update in ScriptedChatClient.Text(ct, "Found 3."))
        {
            yield return update;
        }
    }
}
