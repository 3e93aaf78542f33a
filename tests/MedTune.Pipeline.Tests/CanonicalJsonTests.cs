using System.Text.Json.Nodes;

namespace MedTune.Pipeline.Tests;

public class CanonicalJsonTests
{
    [Fact]
    public void Sorts_keys_ordinally_at_every_level_and_drops_whitespace()
    {
        var node = JsonNode.Parse("""{ "b": {"z": 1, "a": [ {"y":2,"x":1} ]}, "B": true, "a": null }""");
        Assert.Equal("""{"B":true,"a":null,"b":{"a":[{"x":1,"y":2}],"z":1}}""", CanonicalJson.Serialize(node));
    }

    [Theory]
    [InlineData("1", "1")]
    [InlineData("1.0", "1")]
    [InlineData("1e0", "1")]
    [InlineData("1E+0", "1")]
    [InlineData("-0.0", "0")]
    [InlineData("3e-4", "0.0003")]
    [InlineData("0.00030", "0.0003")]
    [InlineData("1e-7", "1e-7")]
    [InlineData("0.1", "0.1")]
    [InlineData("1e20", "100000000000000000000")]
    [InlineData("1e300", "1e300")]
    [InlineData("2.5E-10", "2.5e-10")]
    [InlineData("12345678901234567890123", "12345678901234567890123")]
    public void Normalises_numbers(string json, string expected) =>
        Assert.Equal(expected, CanonicalJson.Serialize(JsonNode.Parse(json)));

    [Fact]
    public void Numbers_from_CLR_values_match_parsed_text()
    {
        var fromClr = new JsonObject { ["lr"] = 0.0003, ["alpha"] = 16.0, ["r"] = 8, ["dropout"] = 0.05f, ["big"] = 3_000_000_000L, ["m"] = 0.1m };
        var parsed = JsonNode.Parse("""{"lr":3e-4,"alpha":16,"r":8.0,"dropout":5e-2,"big":3e9,"m":0.10}""");
        Assert.Equal(CanonicalJson.Serialize(parsed), CanonicalJson.Serialize(fromClr));
    }

    [Fact]
    public void Escapes_strings_uniformly_whatever_produced_them()
    {
        var fromClr = new JsonObject { ["s"] = "医学\t\"q\"\\\u0001/é" };
        var parsed = JsonNode.Parse("{\"s\":\"\\u533b\\u5b66\\u0009\\\"q\\\"\\\\\\u0001\\/\u00e9\"}");
        Assert.Equal("{\"s\":\"医学\\t\\\"q\\\"\\\\\\u0001/é\"}", CanonicalJson.Serialize(fromClr));
        Assert.Equal(CanonicalJson.Serialize(fromClr), CanonicalJson.Serialize(parsed));
    }

    [Fact]
    public void Rejects_non_finite_numbers_naming_the_path()
    {
        var node = new JsonObject { ["train"] = new JsonObject { ["lr"] = double.NaN } };
        var error = Assert.Throws<FormatException>(() => CanonicalJson.Serialize(node));
        Assert.Contains("$.train.lr", error.Message);
    }

    [Fact]
    public void Indented_form_uses_two_spaces_sorted_keys_and_compact_empties()
    {
        var node = JsonNode.Parse("""{"b":[1,2.50],"a":{},"c":[],"d":{"y":"x"}}""");
        Assert.Equal("{\n  \"a\": {},\n  \"b\": [\n    1,\n    2.5\n  ],\n  \"c\": [],\n  \"d\": {\n    \"y\": \"x\"\n  }\n}",
            CanonicalJson.SerializeIndented(node));
    }
}
