using System.Text;
using Microsoft.Extensions.AI;
using Portage.Protocol.Runs;

namespace Portage.Server.OpenAI;

/// <summary>
/// The messages of an OpenAI request, taken in order as both doors read them: system and developer messages are joined
/// into the system prompt, user and assistant messages make the conversation (an empty answer adds nothing to read),
/// and the user messages after the last assistant message are the new turn; everything before them is its history.
/// </summary>
internal sealed class IncomingMessages(string? instructions)
{
    private readonly StringBuilder _system = new(instructions ?? "");
    private readonly List<ChatMessage> _conversation = [];

    /// <summary>The system prompt: the instructions, then every system and developer message.</summary>
    public string SystemPrompt => _system.ToString();

    /// <summary>Adds a message; false for a role other than system, developer, user or assistant. An empty user message is <paramref name="emptyUser"/>.</summary>
    public bool Add(string? role, string text, Func<Exception> emptyUser)
    {
        switch (role)
        {
            case "system" or "developer":
                _system.Append(_system.Length > 0 ? "\n\n" : "").Append(text);
                return true;
            case "user" when string.IsNullOrWhiteSpace(text):
                throw emptyUser();
            case "user":
                _conversation.Add(new ChatMessage(ChatRole.User, text));
                return true;
            case "assistant":
                // A client that kept a refusal or a tool call it was never sent has an empty answer in its history.
                if (!string.IsNullOrWhiteSpace(text))
                {
                    _conversation.Add(new ChatMessage(ChatRole.Assistant, text));
                }

                return true;
            default:
                return false;
        }
    }

    /// <summary>The history and the new user messages; <paramref name="notEndingWithUser"/> when the last message is not the user's.</summary>
    public (IReadOnlyList<ChatMessage> History, IReadOnlyList<RunMessage> New) Split(Func<Exception> notEndingWithUser)
    {
        var firstNew = _conversation.FindLastIndex(m => m.Role != ChatRole.User) + 1;
        return firstNew == _conversation.Count
            ? throw notEndingWithUser()
            : (_conversation[..firstNew], [.. _conversation.Skip(firstNew).Select(m => new RunMessage { Role = "user", Content = m.Text })]);
    }
}
