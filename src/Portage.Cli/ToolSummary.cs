using System.Text;
using System.Text.Json;

namespace Portage.Cli;

/// <summary>
/// One short line for a tool call or result on a terminal: a discover menu is kilobytes of JSON, of which a person
/// reading along wants the count and the first labels. The whole payload is what <c>--json</c> prints.
/// </summary>
internal static class ToolSummary
{
    /// <summary>The longest line a tool call or result takes, brackets included.</summary>
    public const int MaxLine = 160;

    // Properties that name an item, in the order they are tried (discover's summary, origins' canonical_id, files' paths).
    private static readonly string[] s_labels = ["summary", "title", "name", "file_path", "canonical_id", "id"];

    public static string Call(string name, JsonElement arguments) => Line($"[tool {name} ", Raw(arguments), "]");

    public static string Result(string name, JsonElement result) => Line($"[tool {name} -> ", Describe(result), "]");

    public static string Failure(string name, string error) => Line($"[tool {name} failed: ", error, "]");

    /// <summary>Counts and first labels of a list, the start of a text, or the compact JSON of anything else.</summary>
    public static string Describe(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                return List("items", value);
            case JsonValueKind.String:
                return Quote(value.GetString()!);
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.Array)
                    {
                        return List(property.Name, property.Value);
                    }
                }

                foreach (var property in value.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.String)
                    {
                        return $"{property.Name}: {Quote(property.Value.GetString()!)}";
                    }
                }

                return Raw(value);
            default:
                return Raw(value);
        }
    }

    private static string List(string name, JsonElement array)
    {
        var count = array.GetArrayLength();
        var labels = array.EnumerateArray().Select(Label).Where(l => l is not null).Take(3).ToList();
        var text = new StringBuilder($"{count} {name}");
        if (labels.Count > 0)
        {
            text.Append(": ").AppendJoin(", ", labels);
            if (count > labels.Count)
            {
                text.Append(", …");
            }
        }

        return text.ToString();
    }

    private static string? Label(JsonElement item)
    {
        if (item.ValueKind == JsonValueKind.String)
        {
            return Quote(item.GetString()!);
        }

        if (item.ValueKind != JsonValueKind.Object)
        {
            return item.ValueKind == JsonValueKind.Array ? null : item.GetRawText();
        }

        foreach (var name in s_labels)
        {
            if (item.TryGetProperty(name, out var label) && label.ValueKind == JsonValueKind.String)
            {
                return Quote(label.GetString()!);
            }
        }

        return null;
    }

    private static string Quote(string text) => $"\"{OneLine(text)}\"";

    private static string Raw(JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? "{}" : OneLine(element.GetRawText());

    // Line breaks and runs of spaces become one space: a tool line is one line of the terminal.
    private static string OneLine(string text) => string.Join(' ', text.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));

    private static string Line(string head, string body, string tail)
    {
        body = OneLine(body);
        var room = MaxLine - head.Length - tail.Length;
        if (body.Length > room)
        {
            body = string.Concat(body.AsSpan(0, Math.Max(0, room - 1)), "…");
        }

        return head + body + tail;
    }
}
