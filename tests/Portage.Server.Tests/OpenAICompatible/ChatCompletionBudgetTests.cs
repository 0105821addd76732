using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Testing;

namespace Portage.Server.Tests.OpenAICompatible;

/// <summary>
/// The history a Chat Completions client sends is fitted to the model's budget as a replayed transcript is: the oldest
/// exchanges go first, whole, and the new message always goes (400 <c>message_too_large</c> when it cannot fit alone).
/// </summary>
public sealed class ChatCompletionBudgetTests
{
    [Fact]
    public async Task A_history_over_the_budget_loses_its_oldest_exchanges_first()
    {
        var provider = new ScriptedChatClient();
        using var app = new PortageApp([Providers.Scripted(provider, budget: 400)]);
        using var client = app.Client;
        var messages = new List<object> { new { role = "system", content = "Be brief." } };
        for (var i = 1; i <= 10; i++)
        {
            messages.Add(new { role = "user", content = $"question {i} " + new string('q', 160) });
            messages.Add(new { role = "assistant", content = $"answer {i} " + new string('a', 160) });
        }

        messages.Add(new { role = "user", content = "the new question" });
        using var response = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "scripted", messages });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = provider.LastMessages;
        Assert.Equal((ChatRole.System, "Be brief."), (sent[0].Role, sent[0].Text));
        Assert.Equal("the new question", sent[^1].Text);
        Assert.InRange(sent.Count, 4, 20);
        Assert.Equal(ChatRole.User, sent[1].Role);
        Assert.StartsWith("answer 10 ", sent[^2].Text, StringComparison.Ordinal);
        var kept = sent.Skip(1).SkipLast(1).Where(m => m.Role == ChatRole.User).Select(m => int.Parse(m.Text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(11 - kept.Count, kept.Count), kept);
    }

    [Fact]
    public async Task A_new_message_that_cannot_fit_alone_is_400_message_too_large()
    {
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient(), budget: 100)]);
        using var client = app.Client;
        using var response = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "scripted", user = "u-big", messages = new[] { new { role = "user", content = new string('x', 2_000) } } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        OpenAIKit.AssertShape((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error"), "message_too_large", "messages");
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }
}
