using System.Runtime.CompilerServices;
using System.Text.Json;
using Portage.Core.Runs;
using Portage.Core.Streams;
using Portage.Protocol;
using Portage.Protocol.Runs;

namespace Portage.Server.OpenAI;

/// <summary>A run's frames, followed live or from its log, as the events an OpenAI route answers from.</summary>
internal static class RunFrames
{
    /// <summary>
    /// The text deltas and the terminal frame, and the tool calls and results when <paramref name="tools"/>; the frames
    /// an OpenAI client has no use for (<c>run_started</c>, <c>context_compacted</c>) are left out.
    /// </summary>
    public static async IAsyncEnumerable<AgentEvent> EventsAsync(RunFollower follower, RunRecord run, bool tools, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var frame in follower.FollowAsync(run, 0, cancellationToken))
        {
            AgentEvent? agentEvent = frame.Event switch
            {
                EventNames.TextDelta => JsonSerializer.Deserialize(frame.Data, ProtocolJson.Wire.AgentTextDelta),
                EventNames.ToolCall when tools => JsonSerializer.Deserialize(frame.Data, ProtocolJson.Wire.AgentToolCall),
                EventNames.ToolResult when tools => JsonSerializer.Deserialize(frame.Data, ProtocolJson.Wire.AgentToolResult),
                EventNames.Finish => JsonSerializer.Deserialize(frame.Data, ProtocolJson.Wire.AgentFinish),
                EventNames.Error => JsonSerializer.Deserialize(frame.Data, ProtocolJson.Wire.AgentError),
                _ => null,
            };
            if (agentEvent is not null)
            {
                yield return agentEvent;
            }
        }
    }
}
