using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MedTune.Manifest;

/// <summary>Limits that keep a hostile or broken manifest from exhausting memory or the stack.</summary>
public sealed record YamlLimits(long MaxNodes = 10_000, int MaxDepth = 64, long MaxBytes = 1024 * 1024)
{
    public static readonly YamlLimits Default = new();
}

/// <summary>
/// Builds a <see cref="YamlNode"/> tree from YamlDotNet parser events. Exactly one document is
/// accepted. Anchors and aliases are allowed, but the document they expand to is bounded in node
/// count and depth ("billion laughs"), and so is the written document. Structural problems are
/// fatal, so they are thrown as a <see cref="ManifestException"/> with a single error.
/// </summary>
internal sealed class YamlTreeReader
{
    private const string StringTag = "tag:yaml.org,2002:str";
    private static readonly HashSet<string> CoreTags = new(StringComparer.Ordinal)
    {
        "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "!",
    };

    private readonly string _file;
    private readonly YamlLimits _limits;
    private readonly Dictionary<string, YamlNode> _anchors = new(StringComparer.Ordinal);
    private readonly Stack<Open> _open = new();
    private long _expandedNodes;
    private SourcePosition _lastEventEnd = new(1, 1);

    private YamlTreeReader(string file, YamlLimits limits)
    {
        _file = file;
        _limits = limits;
    }

    /// <summary>The document's root node, or null when the text holds no document.</summary>
    public static YamlNode? Read(string text, string file, YamlLimits limits)
    {
        var reader = new YamlTreeReader(file, limits);
        try
        {
            return reader.ReadDocument(new Parser(new StringReader(text)));
        }
        catch (YamlException e)
        {
            var (line, column) = ((int)e.Start.Line, (int)e.Start.Column);
            var message = "YAML syntax error: " + StripMarks(e.Message);
            if (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && FirstTabIndentation(text) is { } tab)
                (line, column) = tab; // YamlDotNet places this error at the start of the mapping, not at the tab
            else if (e.End.Line > e.Start.Line)
                message += $" (noticed at line {e.End.Line}, column {e.End.Column})";
            throw new ManifestException(new ManifestError(file, line, column, "", message,
                "check indentation (spaces only), quoting and the ':' after each key near this position"));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 18 throws this instead of a syntax error for some unterminated flow collections.
            var at = reader._lastEventEnd;
            throw new ManifestException(new ManifestError(file, at.Line, at.Column, "",
                "YAML syntax error: the document cannot be parsed after this point", "check for an unclosed '[' or '{' or a missing ',' between items"));
        }
    }

    /// <summary>1-based line and column of the first tab in a line's indentation.</summary>
    private static (int, int)? FirstTabIndentation(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indent);
            if (tab >= 0) return (i + 1, tab + 1);
        }
        return null;
    }

    private YamlNode? ReadDocument(IParser parser)
    {
        YamlNode? root = null;
        var documents = 0;
        while (parser.MoveNext())
        {
            var current = parser.Current!;
            _lastEventEnd = new SourcePosition((int)current.End.Line, (int)current.End.Column);
            switch (current)
            {
                case StreamStart or StreamEnd or DocumentEnd:
                    break;
                case DocumentStart:
                    if (++documents > 1)
                        throw Fail(current, "", "the file holds more than one YAML document ('---' separator)",
                            "a manifest is a single document; split experiments into separate files");
                    break;
                case AnchorAlias alias:
                    Add(ResolveAlias(alias), ref root);
                    break;
                case Scalar scalar:
                    Count(current, 1, 1);
                    Add(Anchored(scalar.Anchor, new YamlScalar(At(current), scalar.Value, scalar.Style, IsStringTag(current, scalar.Tag))), ref root);
                    break;
                case SequenceStart seq:
                    Count(current, 1, 1);
                    CheckTag(current, seq.Tag);
                    _open.Push(new Open(new YamlSequence(At(current)), seq.Anchor));
                    break;
                case MappingStart map:
                    Count(current, 1, 1);
                    CheckTag(current, map.Tag);
                    _open.Push(new Open(new YamlMapping(At(current)), map.Anchor));
                    break;
                case SequenceEnd or MappingEnd:
                    var done = _open.Pop();
                    if (done.Node is YamlMapping && done.PendingKey is not null)
                        throw Fail(current, "", "mapping key without a value");
                    Add(Anchored(done.Anchor, done.Node), ref root);
                    break;
                default:
                    throw Fail(current, "", $"unsupported YAML construct {current.GetType().Name}");
            }
        }
        return root;
    }

    /// <summary>Adds a finished node to the open container, or makes it the document root.</summary>
    private void Add(YamlNode node, ref YamlNode? root)
    {
        if (_open.Count == 0)
        {
            root = node;
            return;
        }
        var parent = _open.Peek();
        parent.Node.ExpandedSize += node.ExpandedSize;
        parent.Node.Height = Math.Max(parent.Node.Height, node.Height + 1);
        switch (parent.Node)
        {
            case YamlSequence seq:
                seq.Items.Add(node);
                break;
            case YamlMapping map when parent.PendingKey is null:
                parent.PendingKey = node as YamlScalar
                    ?? throw new ManifestException(new ManifestError(_file, node.Start.Line, node.Start.Column, "",
                        "mapping keys must be plain text, not " + node.Describe()));
                break;
            case YamlMapping map:
                map.Entries.Add(new(parent.PendingKey, node));
                parent.PendingKey = null;
                break;
        }
    }

    private YamlNode ResolveAlias(AnchorAlias alias)
    {
        if (!_anchors.TryGetValue(alias.Value.Value, out var target))
            throw Fail(alias, "", $"alias *{alias.Value.Value} refers to no anchor defined before it",
                $"define &{alias.Value.Value} on an earlier node");
        Count(alias, target.ExpandedSize, target.Height);
        return target;
    }

    /// <summary>Counts nodes the expanded document would hold and checks its depth at this point.</summary>
    private void Count(ParsingEvent at, long nodes, int height)
    {
        _expandedNodes += nodes;
        if (_expandedNodes > _limits.MaxNodes)
            throw Fail(at, "", $"the document expands to more than {_limits.MaxNodes} YAML nodes (anchors and aliases included)",
                "a manifest is small; remove repeated aliases (this limit stops 'billion laughs' documents)");
        if (_open.Count + height > _limits.MaxDepth)
            throw Fail(at, "", $"the document nests deeper than {_limits.MaxDepth} levels (aliases expanded)",
                "a manifest nests only a few levels; check for runaway indentation or nested aliases");
    }

    private YamlNode Anchored(AnchorName anchor, YamlNode node)
    {
        if (!anchor.IsEmpty) _anchors[anchor.Value] = node;
        return node;
    }

    private bool IsStringTag(ParsingEvent at, TagName tag)
    {
        CheckTag(at, tag);
        return !tag.IsEmpty && tag.Value == StringTag;
    }

    private void CheckTag(ParsingEvent at, TagName tag)
    {
        if (!tag.IsEmpty && !CoreTags.Contains(tag.Value))
            throw Fail(at, "", $"YAML tag '{tag.Value}' is not supported", "remove the tag; manifest values are plain strings, numbers, booleans, lists and mappings");
    }

    private static SourcePosition At(ParsingEvent e) => new((int)e.Start.Line, (int)e.Start.Column);

    private ManifestException Fail(ParsingEvent at, string keyPath, string message, string? hint = null) =>
        new(new ManifestError(_file, (int)at.Start.Line, (int)at.Start.Column, keyPath, message, hint));

    private static readonly Regex MarkPrefix = new(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", RegexOptions.Compiled);

    private static string StripMarks(string message) => MarkPrefix.Replace(message, "");

    private sealed class Open(YamlNode node, AnchorName anchor)
    {
        public YamlNode Node { get; } = node;
        public AnchorName Anchor { get; } = anchor;
        public YamlScalar? PendingKey { get; set; }
    }
}
