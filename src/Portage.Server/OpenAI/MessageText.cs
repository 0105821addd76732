using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Portage.Server.OpenAI;

/// <summary>The text of a message's <c>content</c> on the OpenAI routes: a string, or text parts joined by line breaks.</summary>
internal static class MessageText
{
    /// <summary>
    /// The text of <paramref name="content"/> at <paramref name="path"/> (null is an empty message); a content that is
    /// neither a string nor a list is <paramref name="notAList"/>, a part that is not text
    /// (<paramref name="isText"/> false, or no string <c>text</c>) is <paramref name="notText"/> (its path and type).
    /// </summary>
    public static string Read(JsonElement? content, string path, Func<string?, bool> isText, Func<Exception> notAList, Func<string, string?, Exception> notText)
    {
        if (content is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return "";
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString()!;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw notAList();
        }

        var text = new StringBuilder();
        var index = 0;
        foreach (var part in value.EnumerateArray())
        {
            var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (part.ValueKind != JsonValueKind.Object || !isText(type) || !part.TryGetProperty("text", out var piece) || piece.ValueKind != JsonValueKind.String)
            {
                throw notText(string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]"), type);
            }

            text.Append(index++ > 0 ? "\n" : "").Append(piece.GetString());
        }

        return text.ToString();
    }
}
