using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using Portage.Core.Errors;

namespace Portage.Server.Endpoints;

/// <summary>
/// Refuses run requests that ask for model behaviour Portage does not honour yet (sampling, stop sequences, tools sent
/// by the caller, output formats, reasoning settings, images), with 400 <c>unsupported_option</c> naming the field: a
/// caller must never believe a setting took effect when the model ran without it. Every other unknown field stays
/// ignored, since Copass and OpenAI-style clients send fields Portage need not read (<c>stream</c>, <c>metadata</c>).
/// A field sent as <c>null</c> asks for nothing and passes.
/// </summary>
internal static class UnsupportedOptions
{
    /// <summary>Top-level run request fields that would change the model's behaviour, in the order the README lists them.</summary>
    public static readonly IReadOnlyList<string> Fields =
    [
        "temperature", "top_p", "top_k", "stop", "stop_sequences", "seed", "frequency_penalty", "presence_penalty", "logit_bias",
        "tools", "tool_choice", "response_format", "reasoning", "reasoning_effort", "thinking",
    ];

    private static readonly FrozenSet<string> s_fields = Fields.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Content block types of a message other than text: Portage passes text only.</summary>
    public static readonly FrozenSet<string> ContentBlockTypes = FrozenSet.Create(StringComparer.Ordinal,
        "image", "image_url", "input_image", "audio", "input_audio", "file", "input_file", "document");

    /// <summary>The screen of <c>POST …/agents/run</c> bodies.</summary>
    public static void ScreenRunRequest(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            ScreenProperties(ref reader, ScreenRunField);
        }
    }

    private delegate void PropertyScreen(ref Utf8JsonReader reader, string name);

    // The reader is on an object's start: each property's name, with the reader on its value, which the screen reads or skips.
    private static void ScreenProperties(ref Utf8JsonReader reader, PropertyScreen screen)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            screen(ref reader, name);
        }
    }

    // The reader is on an array's start: the properties of each object in it, by the object's index; other items pass.
    private static void ScreenObjects(ref Utf8JsonReader reader, Func<int, PropertyScreen> screen)
    {
        for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
        {
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                ScreenProperties(ref reader, screen(i));
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static void ScreenRunField(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.Null && s_fields.Contains(name))
        {
            throw Unsupported(name, $"'{name}' is not supported yet: Portage would ignore it and the model would run with its own default. " +
                $"Remove '{name}' from the request. Not supported yet: {string.Join(", ", Fields)}.");
        }

        if (name == "messages" && reader.TokenType == JsonTokenType.StartArray)
        {
            ScreenObjects(ref reader, message => (ref Utf8JsonReader r, string field) => ScreenMessageField(ref r, message, field));
        }
        else
        {
            reader.Skip();
        }
    }

    private static void ScreenMessageField(ref Utf8JsonReader reader, int message, string name)
    {
        if (name == "content" && reader.TokenType == JsonTokenType.StartArray)
        {
            ScreenObjects(ref reader, block => (ref Utf8JsonReader r, string field) => ScreenBlockField(ref r, message, block, field));
        }
        else if (name == "images" && reader.TokenType != JsonTokenType.Null)
        {
            throw NotText(Path(message, "images"), "images");
        }
        else
        {
            reader.Skip();
        }
    }

    private static void ScreenBlockField(ref Utf8JsonReader reader, int message, int block, string name)
    {
        if (name == "type" && reader.TokenType == JsonTokenType.String && reader.GetString() is { } type && ContentBlockTypes.Contains(type))
        {
            throw NotText(string.Create(CultureInfo.InvariantCulture, $"{Path(message, "content")}[{block}]"), type);
        }

        reader.Skip();
    }

    private static string Path(int message, string field) => string.Create(CultureInfo.InvariantCulture, $"messages[{message}].{field}");

    private static PortageException NotText(string path, string what) => Unsupported(path,
        $"'{path}' is {what} content, which is not supported yet: Portage passes text only and the model would never see it. " +
        "Send the message as text: \"content\": \"Hello\".");

    private static PortageException Unsupported(string field, string detail) =>
        PortageException.BadRequest("unsupported_option", detail);
}
