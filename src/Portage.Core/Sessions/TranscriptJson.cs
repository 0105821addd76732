using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;

namespace Portage.Core.Sessions;

/// <summary>
/// A session's provider-native transcript as stored: MEAI's JSON of the messages, compact. MEAI does not serialize
/// <see cref="FunctionResultContent.Exception"/>, so a failed tool result would come back as a success on replay
/// (Anthropic's <c>is_error</c> lost); the failure is kept in an additional property and restored on load.
/// </summary>
public static class TranscriptJson
{
    private const string ErrorKey = "portage.tool_error";

    /// <summary>The stored form of <paramref name="messages"/>.</summary>
    public static string Serialize(IEnumerable<ChatMessage> messages)
    {
        var list = messages.ToList();
        foreach (var result in list.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Where(r => r.Exception is not null))
        {
            result.AdditionalProperties ??= [];
            result.AdditionalProperties[ErrorKey] = result.Exception!.Message;
        }

        return JsonSerializer.Serialize(list, CompactJson.Options);
    }

    /// <summary>
    /// <paramref name="messages"/> as stored after a transcript: the elements of <see cref="Serialize"/>'s array, without
    /// its brackets, for <see cref="Join"/> (empty for none).
    /// </summary>
    public static string SerializeAppended(IEnumerable<ChatMessage> messages)
    {
        var array = Serialize(messages);
        return array[1..^1];
    }

    /// <summary>
    /// The transcript made of a stored <paramref name="transcript"/> (an array) and the messages appended after it
    /// (<paramref name="appended"/>: <see cref="SerializeAppended"/>'s texts joined by commas in brackets, or null).
    /// </summary>
    public static string Join(string transcript, string? appended)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        if (string.IsNullOrEmpty(appended))
        {
            return transcript;
        }

        var head = transcript.AsSpan().TrimEnd();
        var tail = appended.AsSpan().TrimStart();
        if (head is not [.., ']'] || tail is not ['[', ..])
        {
            throw new FormatException("A stored transcript is not a JSON array.");
        }

        head = head[..^1].TrimEnd();
        return string.Concat(head, head is [.., '['] ? "" : ",", tail[1..]);
    }

    /// <summary>
    /// The messages of a stored transcript and those appended after it (<paramref name="appended"/>, an array or null),
    /// parsed apart: a long transcript is not copied into one string first.
    /// </summary>
    public static List<ChatMessage> Deserialize(string json, string? appended)
    {
        var messages = Deserialize(json);
        if (!string.IsNullOrEmpty(appended))
        {
            messages.AddRange(Deserialize(appended));
        }

        return messages;
    }

    /// <summary>The messages of a stored transcript, failed tool results marked failed again.</summary>
    public static List<ChatMessage> Deserialize(string json)
    {
        var messages = JsonSerializer.Deserialize<List<ChatMessage>>(json, AIJsonUtilities.DefaultOptions) ?? [];
        foreach (var result in messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>())
        {
            if (result.AdditionalProperties?.TryGetValue(ErrorKey, out var error) == true)
            {
                result.Exception = new InvalidOperationException(error is JsonElement { ValueKind: JsonValueKind.String } text ? text.GetString() : error?.ToString());
            }
        }

        return messages;
    }
}
