using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using Portage.Core.Tools;

#pragma warning disable MEAI001 // AIParameterName: the wire name of an argument, as the MCP tools use it.

namespace Portage.Core.Tests.Tools;

/// <summary>
/// A tool built from a C# method by <see cref="ToolFunctions"/>: its schema asks for values only (no "null" types),
/// its context parameter stays out of the schema, and its arguments read like every tool's (errors name the field).
/// </summary>
public sealed class ToolFunctionsTests
{
    [Fact]
    public void The_schema_names_arguments_on_the_wire_and_leaves_the_context_out()
    {
        var schema = Function().JsonSchema;

        Assert.Equal(["colour", "day_count", "tags", "only"], schema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["colour"], schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal("""{"type":"string","enum":["red","green"]}""", schema.GetProperty("properties").GetProperty("colour").GetRawText());
        Assert.Equal("""{"description":"How many days.","type":"integer"}""", schema.GetProperty("properties").GetProperty("day_count").GetRawText());
    }

    [Fact]
    public async Task Arguments_bind_by_their_wire_names_and_the_result_is_marshalled()
    {
        var result = await Function().InvokeAsync(Args("""{"colour":"green","day_count":3,"tags":["a"],"only":null}"""));

        Assert.Equal("""{"said":"green 3 a  ctx"}""", ((JsonElement)result!).GetRawText());
    }

    [Theory]
    [InlineData("""{"colour":"blue"}""", "colour is 'blue'; use red or green.")]
    [InlineData("""{}""", "colour is required.")]
    [InlineData("""{"colour":null}""", "colour is required.")]
    [InlineData("""{"colour":"red","day_count":"3"}""", "day_count must be an integer.")]
    [InlineData("""{"colour":"red","tags":"a"}""", "tags must be a list of strings.")]
    [InlineData("""{"colour":"red","only":[{"colour":"red","x":1}]}""", "only[0].x does not fit the tool's input schema.")]
    public async Task A_wrong_argument_is_a_tool_argument_error_naming_it(string arguments, string message)
    {
        var error = await Assert.ThrowsAsync<ToolArgumentException>(() => Function().InvokeAsync(Args(arguments)).AsTask());

        Assert.Equal(message, error.Message);
    }

    private static AIFunction Function() => AIFunctionFactory.Create(Say, ToolFunctions.Options(
        p => p.ParameterType == typeof(Context) ? _ => new Context("ctx") : null,
        (result, type, _) => ValueTask.FromResult<object?>(JsonSerializer.SerializeToElement(result, type!, ToolFunctions.Json))));

    private static AIFunctionArguments Args(string json) =>
        new(JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value));

    private static Reply Say(
        Context context,
        Colour colour,
        [AIParameterName("day_count"), Description("How many days.")] int? dayCount = null,
        IReadOnlyList<string>? tags = null,
        IReadOnlyList<Item>? only = null) =>
        new($"{(colour == Colour.Red ? "red" : "green")} {dayCount} {string.Join(",", tags ?? [])} {only?.Count} {context.Name}");

    private sealed record Context(string Name);

    private sealed record Reply(string Said);

    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    private sealed record Item(Colour Colour);

    [JsonConverter(typeof(JsonStringEnumConverter<Colour>))]
    private enum Colour
    {
        [JsonStringEnumMemberName("red")]
        Red,

        [JsonStringEnumMemberName("green")]
        Green,
    }
}
