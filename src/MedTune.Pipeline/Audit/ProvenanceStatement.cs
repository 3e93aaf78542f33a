using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MedTune.Pipeline;

/// <summary>
/// An in-toto Statement v1 (https://in-toto.io/Statement/v1) with an SLSA Provenance v1 predicate
/// (https://slsa.dev/provenance/v1): the products of an experiment (<see cref="Subject"/>: report files, predictions
/// and scores, the adapter) and the materials they came from (<c>resolvedDependencies</c>: the manifest, the datasets,
/// the base model, the medtune version and commit), each with its digest.
/// </summary>
/// <remarks>
/// Written by the report stage as <see cref="FileName"/>, a <c>.medtune-</c> file: <b>not hashed</b>. It names the tool
/// commit and the run's times, which differ between machines and between the commit that made a result and the one
/// that commits its lock file; hashing them would make the report irreproducible (the issue a lock file exists to
/// avoid). Everything it attests is content-derived and checkable: subject names are paths relative to the cache root
/// (<c>report/&lt;key&gt;/report.md</c>), material URIs are paths as the manifest writes them (relative, <c>${VAR}</c>
/// unexpanded). Files have <c>sha256</c> digests; a directory (an IgakuQA tree, a checkpoint) has medtune's directory
/// hash under <see cref="DirectoryDigest"/> (SHA-256 over the sorted relative paths and file SHA-256s).
/// </remarks>
public sealed record ProvenanceStatement
{
    public const string FileName = ".medtune-provenance.intoto.json";
    public const string StatementType = "https://in-toto.io/Statement/v1";
    public const string SlsaProvenance = "https://slsa.dev/provenance/v1";
    public const string BuildType = "urn:medtune:run:v1";
    public const string DirectoryDigest = "medtune-directory-sha256";
    /// <summary>Material name of the manifest and of the tool.</summary>
    public const string ManifestMaterial = "manifest", ToolMaterial = "medtune";

    [JsonPropertyName("_type")] public string Type { get; init; } = StatementType;
    [JsonPropertyName("subject")] public required IReadOnlyList<ResourceDescriptor> Subject { get; init; }
    [JsonPropertyName("predicateType")] public string PredicateType { get; init; } = SlsaProvenance;
    [JsonPropertyName("predicate")] public required SlsaPredicate Predicate { get; init; }

    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToText() => JsonSerializer.Serialize(this, Options) + "\n";

    /// <summary>Reads a statement; a file that is not one is an <see cref="InvalidDataException"/> naming it.</summary>
    public static ProvenanceStatement Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Provenance statement '{path}' not found.", path);
        ProvenanceStatement? statement;
        try
        {
            statement = JsonSerializer.Deserialize<ProvenanceStatement>(File.ReadAllText(path), Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not an in-toto statement (line {e.LineNumber + 1}): {e.Message}", e);
        }
        if (statement is null || statement.Type != StatementType || statement.PredicateType != SlsaProvenance)
            throw new InvalidDataException(
                $"'{path}' is not an in-toto Statement v1 with an SLSA provenance v1 predicate (_type {statement?.Type}, predicateType {statement?.PredicateType}).");
        return statement;
    }
}

/// <summary>in-toto ResourceDescriptor: what an artifact is called, where it is, and its digests.</summary>
public sealed record ResourceDescriptor
{
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("uri")] public string? Uri { get; init; }
    [JsonPropertyName("digest")] public required SortedDictionary<string, string> Digest { get; init; }
    [JsonPropertyName("annotations")] public SortedDictionary<string, string>? Annotations { get; init; }
}

/// <summary>SLSA Provenance v1 predicate.</summary>
public sealed record SlsaPredicate
{
    [JsonPropertyName("buildDefinition")] public required BuildDefinition BuildDefinition { get; init; }
    [JsonPropertyName("runDetails")] public required RunDetails RunDetails { get; init; }
}

public sealed record BuildDefinition
{
    [JsonPropertyName("buildType")] public string BuildType { get; init; } = ProvenanceStatement.BuildType;
    /// <summary>What the user chose: the experiment, its manifest (file name) and seed.</summary>
    [JsonPropertyName("externalParameters")] public required SortedDictionary<string, string> ExternalParameters { get; init; }
    /// <summary>The stage keys, by stage name (every stage the report depends on, transitively).</summary>
    [JsonPropertyName("internalParameters")] public SortedDictionary<string, string> InternalParameters { get; init; } = new(StringComparer.Ordinal);
    [JsonPropertyName("resolvedDependencies")] public required IReadOnlyList<ResourceDescriptor> ResolvedDependencies { get; init; }
}

public sealed record RunDetails
{
    [JsonPropertyName("builder")] public required Builder Builder { get; init; }
    [JsonPropertyName("metadata")] public BuildMetadata? Metadata { get; init; }
}

public sealed record Builder
{
    [JsonPropertyName("id")] public string Id { get; init; } = "urn:medtune:builder:local";
    [JsonPropertyName("version")] public SortedDictionary<string, string> Version { get; init; } = new(StringComparer.Ordinal);
}

public sealed record BuildMetadata
{
    [JsonPropertyName("invocationId")] public string? InvocationId { get; init; }
    [JsonPropertyName("startedOn")] public DateTimeOffset? StartedOn { get; init; }
    [JsonPropertyName("finishedOn")] public DateTimeOffset? FinishedOn { get; init; }
}
