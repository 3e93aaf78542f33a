namespace MedTune.Pipeline;

/// <summary>Builds a stage's <see cref="StageKeyInputs"/> from its definition, its input files and its upstream outputs.</summary>
public static class StageKeys
{
    /// <summary>Content hash of each input by logical name. A missing input is a clear error naming stage, input and path.</summary>
    public static SortedDictionary<string, string> HashInputs(StageDefinition definition, ContentHasher hasher, CancellationToken cancellationToken = default)
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var input in definition.Inputs)
        {
            if (!File.Exists(input.Path) && !Directory.Exists(input.Path))
                throw new FileNotFoundException(
                    $"Stage '{definition.Name}': input {input.Name} '{input.Path}' does not exist. Check the path in the manifest.", input.Path);
            if (!hashes.TryAdd(input.Name, hasher.HashPath(input.Path, cancellationToken)))
                throw new PipelineDefinitionException($"Stage '{definition.Name}' has two inputs named '{input.Name}'; input names must be unique.");
        }
        return hashes;
    }

    public static StageKeyInputs Compose(
        StageDefinition definition, int seed, IReadOnlyDictionary<string, string> inputHashes, IReadOnlyDictionary<string, string> upstreamOutputHashes) =>
        new(definition.Stage.Kind, definition.Stage.ImplementationVersion, CanonicalJson.Normalize(definition.Config)!, seed,
            inputHashes, definition.DependsOn.ToDictionary(name => name, name => upstreamOutputHashes[name], StringComparer.Ordinal));
}
