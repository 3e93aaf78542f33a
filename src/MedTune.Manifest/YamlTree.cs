using YamlDotNet.Core;

namespace MedTune.Manifest;

// A minimal YAML document tree with the position of every node. Aliases are resolved to the
// anchored node (the same object, not a copy): YamlTreeReader bounds how large that makes the
// document when expanded.

internal abstract class YamlNode(SourcePosition start)
{
    public SourcePosition Start { get; } = start;
    /// <summary>Nodes in this subtree with every alias expanded (this node included).</summary>
    public long ExpandedSize { get; set; } = 1;
    /// <summary>Nesting levels in this subtree with every alias expanded (a scalar is 1).</summary>
    public int Height { get; set; } = 1;
    public abstract string Describe();
}

internal sealed class YamlScalar(SourcePosition start, string value, ScalarStyle style, bool explicitString) : YamlNode(start)
{
    public string Value { get; } = value;
    /// <summary>Quoted, block or tagged !!str: the text is a string, never a number, boolean or null.</summary>
    public bool IsString { get; } = explicitString || (style != ScalarStyle.Plain && style != ScalarStyle.Any);

    public bool IsNull => !IsString && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe() => IsNull ? "null" : IsString ? $"the string \"{Value}\"" : $"'{Value}'";
}

internal sealed class YamlSequence(SourcePosition start) : YamlNode(start)
{
    public List<YamlNode> Items { get; } = new();
    public override string Describe() => "a list";
}

internal sealed class YamlMapping(SourcePosition start) : YamlNode(start)
{
    public List<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = new();
    public override string Describe() => "a mapping";
}
