using Portage.Core.Ingest;
using Portage.Core.Windows;

namespace Portage.Core.Tests.Ingest;

public sealed class ConversationTurnTests
{
    private static readonly DateTimeOffset s_now = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("User", TurnRole.User, "User")]
    [InlineData("user", TurnRole.User, "user")]
    [InlineData("Assistant", TurnRole.Assistant, "Assistant")]
    [InlineData("assistant", TurnRole.Assistant, "assistant")]
    [InlineData("Ada", TurnRole.User, "Ada")]
    [InlineData("System", TurnRole.User, "System")]
    public void The_speaker_decides_the_role_and_is_kept(string speaker, string role, string keptSpeaker)
    {
        var turn = IngestService.ToTurn("Hello.", speaker, s_now);

        Assert.Equal((role, keptSpeaker, "Hello.", s_now), (turn.Role, turn.Speaker, turn.Parts.Single().Text, turn.CreatedAt));
        Assert.Null(turn.RunId);
    }

    [Theory]
    [InlineData("assistant: Sure, here it is.", TurnRole.Assistant, "Assistant", "Sure, here it is.")]
    [InlineData("user: what's new?", TurnRole.User, "User", "what's new?")]
    [InlineData("System: be brief", TurnRole.User, "System", "be brief")]
    [InlineData("Just text.", TurnRole.User, "User", "Just text.")]
    public void Without_a_speaker_the_legacy_role_prefix_is_understood(string text, string role, string speaker, string content)
    {
        var turn = IngestService.ToTurn(text, null, s_now);

        Assert.Equal((role, speaker, content), (turn.Role, turn.Speaker, turn.Parts.Single().Text));
    }

    [Fact]
    public void With_a_speaker_the_text_is_kept_verbatim()
    {
        Assert.Equal("assistant: quoted", IngestService.ToTurn("assistant: quoted", "User", s_now).Parts.Single().Text);
    }
}
