using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Portage.Core.Errors;

namespace Portage.Server.Endpoints;

/// <summary>
/// Turns a failed deserialization into a 400 <c>invalid_json</c> a caller can act on: which field, what it must be, what
/// was sent, and an example. The serializer's own message names .NET types (<c>IReadOnlyList`1[…]</c>), which mean
/// nothing to a caller in another language, so it is never shown; the expected kind comes from the same
/// <see cref="JsonTypeInfo"/> metadata the serializer used.
/// </summary>
internal static class JsonBodyErrors
{
    private const int MaxObjectExampleProperties = 2;

    // Sample strings for fields whose generic example would mislead ("role": "text"); every other string field gets "text".
    private static readonly Dictionary<string, string> s_sampleStrings = new(StringComparer.Ordinal)
    {
        ["content"] = "Hello",
        ["text"] = "Hello",
        ["query"] = "Hello",
        ["role"] = "user",
        ["provider"] = "echo",
        ["model"] = "echo-1",
        ["end_user_id"] = "user-123",
    };

    /// <summary>The 400 for <paramref name="exception"/>, thrown while reading <paramref name="body"/> as <paramref name="root"/>.</summary>
    public static PortageException Describe(JsonException exception, ReadOnlyMemory<byte> body, JsonTypeInfo root)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = root.Options.MaxDepth });
        }
        catch (JsonException syntax)
        {
            return PortageException.BadRequest("invalid_json", SyntaxError(syntax));
        }

        using (document)
        {
            return PortageException.BadRequest("invalid_json", TypeError(exception.Path, document.RootElement, root));
        }
    }

    private static string SyntaxError(JsonException syntax)
    {
        // The reader's message says what is wrong ("'}' is an invalid start of a value.") and then where, in its own
        // zero-based terms; the position is given once, one-based, as editors count.
        var reason = syntax.Message;
        var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        reason = cut > 0 ? reason[..cut] : reason;
        if (LooksLikeDotNet(reason))
        {
            reason = "it does not parse.";
        }

        var where = syntax.LineNumber is { } line && syntax.BytePositionInLine is { } column
            ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {column + 1})")
            : "";
        return $"The request body is not valid JSON{where}: {reason} Send one JSON object.";
    }

    private static string TypeError(string? path, JsonElement rootElement, JsonTypeInfo root)
    {
        var segments = Segments(path);
        if (segments.Count == 0 && rootElement.ValueKind == JsonValueKind.Object)
        {
            // No path to follow (the serializer did not say where): an object is right, so something inside it is not.
            return "The request body does not fit this endpoint: one of its fields has the wrong JSON type.";
        }

        JsonTypeInfo? info = root;
        JsonElement? element = rootElement;
        foreach (var segment in segments)
        {
            if (segment.Index is { } index)
            {
                info = ElementOf(info);
                element = element is { ValueKind: JsonValueKind.Array } array && index < array.GetArrayLength() ? array[index] : null;
            }
            else
            {
                info = PropertyOf(info, segment.Name!);
                element = element is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(segment.Name!, out var value) ? value : null;
            }
        }

        var field = segments.Count == 0 ? "the request body" : Display(segments);
        var got = element is { } sent ? $", got {Got(sent, info)}" : "";
        if (info is null)
        {
            return $"{field}: this value has the wrong type{got}.";
        }

        var last = segments.Count == 0 ? null : segments[^1];
        var example = Example(info, last?.Name, depth: 0);
        var forExample = last?.Name is { } name ? $"\"{name}\": {example}" : example;
        return $"{field}: expected {Expected(info)}{got}; for example {forExample}";
    }

    /// <summary>What a caller must send, in JSON terms.</summary>
    private static string Expected(JsonTypeInfo info) => info.Kind switch
    {
        JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
        JsonTypeInfoKind.Enumerable when ElementOf(info) is { } element => $"an array of {Plural(Expected(element))}",
        JsonTypeInfoKind.Enumerable => "an array",
        _ => Kind(info.Type) switch
        {
            ValueKind.String => "a string",
            ValueKind.Integer => "an integer",
            ValueKind.Number => "a number",
            ValueKind.Boolean => "true or false",
            _ => "a JSON value",
        },
    };

    private static string Plural(string expected) => expected switch
    {
        "an object" => "objects",
        "a string" => "strings",
        "an integer" => "integers",
        "a number" => "numbers",
        "true or false" => "booleans",
        _ when expected.StartsWith("an array", StringComparison.Ordinal) => "arrays" + expected["an array".Length..],
        _ => "values",
    };

    private static string Got(JsonElement sent, JsonTypeInfo? info) => sent.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        // A number where an integer belongs is shown, since its problem is its value (1.5, 1e12), not its kind.
        JsonValueKind.Number when info is not null && info.Kind == JsonTypeInfoKind.None && Kind(info.Type) == ValueKind.Integer =>
            sent.GetRawText() is { Length: <= 24 } raw ? raw + " (not a whole number in range)" : "a number out of range",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => sent.GetRawText(),
        JsonValueKind.Null => "null",
        _ => "something else",
    };

    private static string Example(JsonTypeInfo info, string? name, int depth)
    {
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when depth < 2:
                var properties = info.Properties
                    .Select(p => $"\"{p.Name}\": {Example(info.Options.GetTypeInfo(p.PropertyType), p.Name, depth + 1)}")
                    .Take(MaxObjectExampleProperties);
                return "{" + string.Join(", ", properties) + "}";
            case JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary:
                return "{}";
            case JsonTypeInfoKind.Enumerable:
                return ElementOf(info) is { } element ? "[" + Example(element, null, depth + 1) + "]" : "[]";
        }

        return Kind(info.Type) switch
        {
            ValueKind.String => JsonValue.Create(name is not null && s_sampleStrings.TryGetValue(name, out var sample) ? sample : "text").ToJsonString(),
            ValueKind.Integer => "100",
            ValueKind.Number => "0.5",
            ValueKind.Boolean => "true",
            _ => "{}",
        };
    }

    private enum ValueKind { Other, String, Integer, Number, Boolean }

    private static ValueKind Kind(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return Type.GetTypeCode(type) switch
        {
            TypeCode.String or TypeCode.Char or TypeCode.DateTime => ValueKind.String,
            TypeCode.Boolean => ValueKind.Boolean,
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32
                or TypeCode.Int64 or TypeCode.UInt64 => ValueKind.Integer,
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => ValueKind.Number,
            _ when type == typeof(DateTimeOffset) || type == typeof(DateOnly) || type == typeof(Guid) || type == typeof(Uri) => ValueKind.String,
            _ => ValueKind.Other,
        };
    }

    private static JsonTypeInfo? PropertyOf(JsonTypeInfo? info, string name)
    {
        if (info is null)
        {
            return null;
        }

        if (info.Kind == JsonTypeInfoKind.Dictionary)
        {
            return ElementOf(info);
        }

        var property = info.Kind == JsonTypeInfoKind.Object
            ? info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal))
            : null;
        return property is null ? null : info.Options.GetTypeInfo(property.PropertyType);
    }

    private static JsonTypeInfo? ElementOf(JsonTypeInfo? info) =>
        info is { Kind: JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary, ElementType: { } element }
            ? info.Options.GetTypeInfo(element)
            : null;

    private sealed record Segment(string? Name, int? Index);

    // "$.messages[0].content" or "$['odd name'][2]" into its steps; anything unexpected ends the walk where it is.
    private static List<Segment> Segments(string? path)
    {
        var segments = new List<Segment>();
        if (string.IsNullOrEmpty(path) || path[0] != '$')
        {
            return segments;
        }

        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(new Segment(path[(i + 1)..end], null));
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    break;
                }

                segments.Add(new Segment(path[(i + 2)..end], null));
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i + 1);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    break;
                }

                segments.Add(new Segment(null, index));
                i = end + 1;
            }
            else
            {
                break;
            }
        }

        return segments;
    }

    private static string Display(List<Segment> segments)
    {
        var text = new StringBuilder();
        foreach (var segment in segments)
        {
            if (segment.Index is { } index)
            {
                text.Append(CultureInfo.InvariantCulture, $"[{index}]");
            }
            else
            {
                text.Append(text.Length == 0 ? "" : ".").Append(segment.Name);
            }
        }

        return text.ToString();
    }

    /// <summary>True when a text names .NET types (<c>System.Int32</c>, <c>IReadOnlyList`1</c>): never for a caller's eyes.</summary>
    public static bool LooksLikeDotNet(string text) =>
        text.Contains("System.", StringComparison.Ordinal) || text.Contains("Portage.", StringComparison.Ordinal) || text.Contains('`', StringComparison.Ordinal);
}
