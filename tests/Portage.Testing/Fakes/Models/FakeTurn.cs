namespace Portage.Testing.Fakes.Models;

/// <summary>One message of a request, as the fake models read it whatever the provider's wire.</summary>
/// <param name="Role">user, assistant or tool.</param>
/// <param name="Text">Its text (a tool result's content for a tool message).</param>
public sealed record FakeMessage(string Role, string Text);

/// <summary>What a fake model answers.</summary>
/// <param name="Text">The answer's text (null when it calls a tool).</param>
/// <param name="ToolLocation">The <c>location</c> of a <c>get_weather</c> call, when it calls one.</param>
/// <param name="OutputTokens">The tokens it wrote.</param>
public sealed record FakeAnswer(string? Text, string? ToolLocation, int OutputTokens);

/// <summary>
/// The behaviour every fake model shares, so a long conversation means the same on each provider: asked about "the
/// weather in X" with a <c>get_weather</c> tool on offer, it calls the tool; given the tool's result, it reports it;
/// otherwise it says what it read ("{model} read N messages; the first one said: …"), so a test can see what a turn
/// knew. An answer never runs past the request's max tokens, as a real model stops there.
/// </summary>
public static class FakeTurn
{
    private const int Excerpt = 300;

    /// <summary>The answer to <paramref name="messages"/> (oldest first, system aside).</summary>
    public static FakeAnswer Answer(string model, IReadOnlyList<FakeMessage> messages, bool weatherTool, int? maxTokens)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var last = messages.Count > 0 ? messages[^1] : new FakeMessage("user", "");
        if (last.Role == "tool")
        {
            return Text($"{model} got the tool's answer: {Cut(last.Text)}", maxTokens);
        }

        if (weatherTool && Location(last.Text) is { } location)
        {
            return new FakeAnswer(null, location, WireTokens.Of(location) + 5);
        }

        var first = messages.FirstOrDefault(m => m.Role == "user")?.Text ?? "";
        return Text($"{model} read {messages.Count} messages; the first one said: {Cut(first)}", maxTokens);
    }

    // "… the weather in Paris …" names the city the tool is asked about.
    private static string? Location(string text)
    {
        const string Marker = "weather in ";
        var at = text.LastIndexOf(Marker, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        var city = new string([.. text[(at + Marker.Length)..].TakeWhile(c => char.IsLetter(c) || c == ' ')]).Trim();
        return city.Length > 0 ? city : null;
    }

    private static FakeAnswer Text(string text, int? maxTokens)
    {
        if (maxTokens is { } most && WireTokens.Of(text) > most)
        {
            text = text[..(most * 4)];
        }

        return new FakeAnswer(text, null, Math.Max(1, WireTokens.Of(text)));
    }

    private static string Cut(string text) => text.Length <= Excerpt ? text : text[..Excerpt];
}
