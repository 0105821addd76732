using Microsoft.Extensions.AI;
using Portage.Core.Sessions;

namespace Portage.Core.Tests.Sessions;

/// <summary>
/// A stored transcript read back with the messages appended after it, joined (<see cref="TranscriptJson.Join"/>) or parsed
/// apart (<see cref="TranscriptJson.Deserialize(string, string?)"/>).
/// </summary>
public sealed class TranscriptJsonTests
{
    private static readonly ChatMessage[] s_first = [new(ChatRole.User, "one"), new(ChatRole.Assistant, "two")];
    private static readonly ChatMessage[] s_second = [new(ChatRole.User, "three"), new(ChatRole.Assistant, "four")];

    [Fact]
    public void A_transcript_joined_with_appended_messages_reads_back_as_all_of_them_in_order()
    {
        var stored = TranscriptJson.Serialize(s_first);
        var appended = Appended(s_second);

        Assert.Equal(["one", "two", "three", "four"], TranscriptJson.Deserialize(TranscriptJson.Join(stored, appended)).Select(m => m.Text));
        Assert.Equal(["one", "two", "three", "four"], TranscriptJson.Deserialize(stored, appended).Select(m => m.Text));
    }

    [Fact]
    public void Appended_messages_join_an_empty_transcript_and_a_database_normalised_one()
    {
        var appended = Appended(s_second);

        Assert.Equal(["three", "four"], TranscriptJson.Deserialize(TranscriptJson.Join("[]", appended)).Select(m => m.Text));
        Assert.Equal(["three", "four"], TranscriptJson.Deserialize("[]", appended).Select(m => m.Text));
        // PostgreSQL's jsonb prints its own spacing; only the closing bracket and blanks around it matter.
        Assert.Equal(["three", "four"], TranscriptJson.Deserialize(TranscriptJson.Join("[ ] \n", appended)).Select(m => m.Text));
    }

    [Fact]
    public void A_transcript_without_appended_messages_is_returned_as_stored()
    {
        var stored = TranscriptJson.Serialize(s_first);

        Assert.Same(stored, TranscriptJson.Join(stored, null));
        Assert.Same(stored, TranscriptJson.Join(stored, ""));
        Assert.Equal(["one", "two"], TranscriptJson.Deserialize(stored, null).Select(m => m.Text));
    }

    [Fact]
    public void A_stored_transcript_that_is_not_an_array_is_refused()
    {
        Assert.Throws<FormatException>(() => TranscriptJson.Join("{\"role\":\"user\"}", Appended(s_second)));
    }

    // What the store reads for a session's appended rows: each row's SerializeAppended text, joined by commas, in brackets.
    private static string Appended(params ChatMessage[] messages) => "[" + string.Join(",", messages.Select(m => TranscriptJson.SerializeAppended([m]))) + "]";
}
