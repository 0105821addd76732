using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace Portage.Core.Tools;

/// <summary>
/// Builds tools from C# methods with <see cref="AIFunctionFactory"/> (names, descriptions and schemas from the
/// method's attributes and parameter types) whose arguments are read as every Portage tool reads them: through
/// <see cref="ToolArguments"/>, so an argument of the wrong kind is a <see cref="ToolArgumentException"/> naming it,
/// never a serializer error that names a .NET type.
/// </summary>
public static class ToolFunctions
{
    /// <summary>
    /// How tool arguments and results are written: snake_case names, nulls kept (a result's null field is part of its
    /// shape), no reading numbers from strings.
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>
    /// Options for <see cref="AIFunctionFactory.Create(Delegate, AIFunctionFactoryOptions)"/>. <paramref name="bindContext"/>
    /// supplies parameters that are not arguments (the caller, the session; left out of the schema), or returns null
    /// for a parameter the call's arguments give. <paramref name="marshalResult"/> turns a method's result into what
    /// the caller of the function receives.
    /// </summary>
    public static AIFunctionFactoryOptions Options(
        Func<ParameterInfo, Func<AIFunctionArguments, object?>?> bindContext,
        Func<object?, Type?, CancellationToken, ValueTask<object?>>? marshalResult = null)
    {
        ArgumentNullException.ThrowIfNull(bindContext);
        return new AIFunctionFactoryOptions
        {
            SerializerOptions = Json,
            JsonSchemaCreateOptions = new AIJsonSchemaCreateOptions
            {
                TransformOptions = new AIJsonSchemaTransformOptions { DisallowAdditionalProperties = true },
                TransformSchemaNode = (_, node) => Unnullable(node),
            },
            ConfigureParameterBinding = parameter => bindContext(parameter) is { } context
                ? new AIFunctionFactoryOptions.ParameterBindingOptions { BindParameter = (_, arguments) => context(arguments), ExcludeFromSchema = true }
                : Bind(parameter),
            MarshalResult = marshalResult,
        };
    }

    // CancellationToken, AIFunctionArguments and IServiceProvider keep the factory's own binding.
    private static AIFunctionFactoryOptions.ParameterBindingOptions Bind(ParameterInfo parameter) =>
        parameter.ParameterType == typeof(AIFunctionArguments) || parameter.ParameterType == typeof(IServiceProvider)
            ? default
            : new AIFunctionFactoryOptions.ParameterBindingOptions { BindParameter = Read };

    private static object? Read(ParameterInfo parameter, AIFunctionArguments arguments)
    {
#pragma warning disable MEAI001 // The schema names arguments by this attribute too; reading by another name would split them.
        var name = parameter.GetCustomAttribute<AIParameterNameAttribute>()?.Name ?? parameter.Name!;
#pragma warning restore MEAI001
        var args = new ToolArguments(arguments);
        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        var value = type switch
        {
            _ when type == typeof(string) => args.Text(name),
            _ when type == typeof(bool) => args.Boolean(name),
            _ when type == typeof(int) => args.WholeNumber(name),
            _ when type.IsAssignableFrom(typeof(List<string>)) => args.Strings(name),
            _ when type.IsEnum => args.Text(name) is { } text ? EnumValue(type, name, text) : null,
            _ => Deserialize(type, name, arguments.GetValueOrDefault(name)),
        };

        return value is not null || parameter.HasDefaultValue
            ? value ?? parameter.DefaultValue
            : throw new ToolArgumentException($"{name} is required.");
    }

    // An enum's values are the names the schema lists (its JsonStringEnumMemberName attributes).
    private static object EnumValue(Type type, string name, string text)
    {
        var names = type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (Field: f, Name: f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name))
            .ToArray();
        return Array.Find(names, n => n.Name == text).Field?.GetValue(null)
            ?? throw new ToolArgumentException($"{name} is '{text}'; use {string.Join(", ", names[..^1].Select(n => n.Name))} or {names[^1].Name}.");
    }

    // Structured arguments (lists of objects) are read by their own type; a mismatch names where it is.
    private static object? Deserialize(Type type, string name, object? raw)
    {
        if (raw is null)
        {
            return null;
        }

        try
        {
            var json = raw as JsonElement? ?? JsonSerializer.SerializeToElement(raw, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object)));
            return json.ValueKind == JsonValueKind.Null ? null : json.Deserialize(Json.GetTypeInfo(type));
        }
        catch (JsonException ex)
        {
            throw new ToolArgumentException($"{name}{ex.Path?.TrimStart('$')} does not fit the tool's input schema.");
        }
    }

    // An omitted argument and a JSON null read the same, so the schema asks for the value only: {"type":"string"}
    // rather than {"type":["string","null"],"default":null}.
    private static JsonNode Unnullable(JsonNode node)
    {
        if (node is JsonObject schema)
        {
            if (schema["type"] is JsonArray { Count: 2 } types && types.Any(t => t?.GetValue<string>() == "null"))
            {
                schema["type"] = types.First(t => t?.GetValue<string>() != "null")!.GetValue<string>();
            }

            if (schema.TryGetPropertyValue("default", out var value) && value is null)
            {
                schema.Remove("default");
            }
        }

        return node;
    }
}
