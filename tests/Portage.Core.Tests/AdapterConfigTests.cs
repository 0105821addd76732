using System.Text.Json;
using System.Text.Json.Nodes;
using Portage.Core.Errors;
using Portage.Core.Sources;

namespace Portage.Core.Tests;

/// <summary>Adapter settings: objects only; <c>?merge_adapter_config=true</c> merges like JSON Merge Patch (RFC 7396).</summary>
public sealed class AdapterConfigTests
{
    [Theory]
    [InlineData("""{"a":1}""", """{"b":2}""", """{"a":1,"b":2}""")]
    [InlineData("""{"a":{"x":1,"y":2}}""", """{"a":{"y":3,"z":4}}""", """{"a":{"x":1,"y":3,"z":4}}""")]
    [InlineData("""{"a":1,"b":2}""", """{"a":null}""", """{"b":2}""")]
    [InlineData("""{"a":[1,2]}""", """{"a":[3]}""", """{"a":[3]}""")]
    [InlineData("""{"a":"scalar"}""", """{"a":{"x":1,"gone":null}}""", """{"a":{"x":1}}""")]
    [InlineData("""{"a":{"x":1}}""", """{"a":"scalar"}""", """{"a":"scalar"}""")]
    [InlineData("""{}""", """{}""", """{}""")]
    public void Merge_follows_json_merge_patch(string current, string patch, string expected) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(AdapterConfig.Merge(current, patch))));

    [Fact]
    public void Reading_keeps_an_object_verbatim_and_treats_null_as_absent()
    {
        Assert.Equal("""{"repo": "acme/app"}""", AdapterConfig.ReadObject(Element("""{"repo": "acme/app"}""")));
        Assert.Null(AdapterConfig.ReadObject(null));
        Assert.Null(AdapterConfig.ReadObject(Element("null")));
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public void Reading_anything_but_an_object_is_a_400(string json)
    {
        var ex = Assert.Throws<PortageException>(() => AdapterConfig.ReadObject(Element(json)));

        Assert.Equal((ErrorKind.BadRequest, "invalid_adapter_config"), (ex.Kind, ex.ErrorType));
    }

    private static JsonElement Element(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
