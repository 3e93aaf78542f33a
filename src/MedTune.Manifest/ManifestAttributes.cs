namespace MedTune.Manifest;

// The small attribute set that makes ExperimentManifest.cs the single source of truth: the loader
// validates with these, ManifestSchema turns them into JSON Schema keywords, and ManifestReference
// turns them into docs/manifest.md. XML doc comments are not available at runtime, hence [Doc].

/// <summary>One-sentence description of a manifest key (schema "description", docs table).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DocAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}

/// <summary>The value (or, for a list, every element) must be one of these strings.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OneOfAttribute(params string[] values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = values;
}

/// <summary>Lower bound for a number (or every element of a list of numbers).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinAttribute(double value) : Attribute
{
    public double Value { get; } = value;
    /// <summary>True: the bound itself is not allowed (value &gt; bound).</summary>
    public bool Exclusive { get; init; }
}

/// <summary>Upper bound for a number (or every element of a list of numbers).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxAttribute(double value) : Attribute
{
    public double Value { get; } = value;
    /// <summary>True: the bound itself is not allowed (value &lt; bound).</summary>
    public bool Exclusive { get; init; }
}

/// <summary>A string (or every element of a list of strings) must match this regular expression entirely.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string regex, string explanation) : Attribute
{
    public string Regex { get; } = regex;
    /// <summary>What the pattern means, in words, for error messages.</summary>
    public string Explanation { get; } = explanation;
}

/// <summary>The key must be present in the YAML (no usable default).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredAttribute : Attribute;

/// <summary>A list that must have at least one element when written.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NonEmptyAttribute : Attribute;

/// <summary>A filesystem path, resolved relative to the manifest's directory.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PathValueAttribute : Attribute;

/// <summary>Not a YAML key: filled in by the loader (resolved paths, where the manifest came from).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotAKeyAttribute : Attribute;
