using System.Text;
using Portage.Core.Runs;
using Portage.Storage.Sql;

namespace Portage.Storage.Tests;

public sealed class FrameBlockTests
{
    [Fact]
    public void Frames_come_back_as_written_whatever_their_text_holds()
    {
        RunEventRecord[] frames =
        [
            new(1, "run_started", """{"run_id":"run_1"}"""),
            new(2, "agent_text_delta", "two\nlines, a tab\t, \"quotes\", é, 漢字 and 🦀"),
            new(3, "agent_finish", ""),
            new(long.MaxValue, "x", "7 3 12\nlooks like a header"),
        ];

        Assert.Equal(frames, FrameBlock.Decode(FrameBlock.Encode(frames)));
        Assert.Empty(FrameBlock.Decode(FrameBlock.Encode([])));
    }

    [Fact]
    public void A_block_is_readable_text_with_a_header_line_per_frame()
    {
        var block = FrameBlock.Encode([new(7, "agent_text_delta", """{"text":"é"}"""), new(8, "agent_finish", "{}")]);

        Assert.Equal("7 16 13\nagent_text_delta{\"text\":\"é\"}8 12 2\nagent_finish{}", Encoding.UTF8.GetString(block));
    }

    [Theory]
    [InlineData("7 16 13")]
    [InlineData("7 16 99\nagent_text_delta{}")]
    [InlineData("seven 1 1\nab")]
    [InlineData("7 -1 1\nab")]
    [InlineData("7 1 1 1\nab")]
    public void A_damaged_block_is_refused_with_where_it_broke(string stored)
    {
        var error = Assert.Throws<FormatException>(() => FrameBlock.Decode(Encoding.UTF8.GetBytes(stored)).ToList());

        Assert.Contains("at byte 0", error.Message, StringComparison.Ordinal);
    }
}
