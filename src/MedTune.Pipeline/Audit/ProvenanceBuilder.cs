namespace MedTune.Pipeline;

/// <summary>What a stage that writes a provenance statement knows about its experiment (the pipeline knows no manifests).</summary>
/// <param name="Experiment">The experiment name.</param>
/// <param name="ManifestPath">The manifest file (hashed; named in the statement by its file name only).</param>
/// <param name="Seed">The experiment seed.</param>
/// <param name="UriByInput">Input logical name (<c>datasets.train[0]</c>) or source stage name (<c>base-model</c>) → the path as the manifest writes it.</param>
public sealed record ProvenanceFacts(string Experiment, string ManifestPath, int Seed, IReadOnlyDictionary<string, string> UriByInput);

/// <summary>
/// Builds the <see cref="ProvenanceStatement"/> of a final stage (the report) from inside its run, after it has written
/// its files: the subjects are its own files and every file of its direct upstream stages (predictions, scores, the
/// adapter); the materials are the inputs recorded by every stage it depends on, transitively (read from their
/// <c>.medtune-record.json</c>), source stages such as the builtin base model by their output hash, the manifest and the tool.
/// </summary>
public static class ProvenanceBuilder
{
    /// <param name="kind">The calling stage's kind (its cache directory).</param>
    public static ProvenanceStatement Build(StageContext context, string kind, ProvenanceFacts facts, DateTimeOffset startedOn)
    {
        var cacheRoot = CacheRootOf(context);
        var subjects = new List<ResourceDescriptor>();
        foreach (var file in ContentHasher.Uncached.HashFiles(context.OutputDirectory))
            subjects.Add(Sha256($"{kind}/{context.Key}/{file.RelativePath}", file.Sha256));

        var records = new SortedDictionary<string, (string Entry, StageRecord Record)>(StringComparer.Ordinal);
        foreach (var (name, directory) in context.UpstreamOutputs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var recordPath = Path.Combine(directory, StageCache.RecordFileName);
            if (!File.Exists(recordPath)) continue; // run outside a pipeline (tests): nothing recorded to attest
            var record = StageRecord.Read(recordPath);
            foreach (var (file, hashed) in record.Outputs)
                subjects.Add(Sha256($"{record.Kind}/{record.Key}/{file}", hashed.Sha256));
            Collect(cacheRoot, name, record, records);
        }

        var materials = new List<ResourceDescriptor>();
        if (File.Exists(facts.ManifestPath))
            materials.Add(new ResourceDescriptor
            {
                Name = ProvenanceStatement.ManifestMaterial, Uri = Path.GetFileName(facts.ManifestPath),
                Digest = Digest("sha256", ContentHasher.Uncached.HashFile(facts.ManifestPath)),
            });
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (stage, (entry, record)) in records)
        {
            foreach (var (input, recorded) in record.Inputs)
                if (seen.Add(input))
                    materials.Add(new ResourceDescriptor
                    {
                        Name = input, Uri = facts.UriByInput.GetValueOrDefault(input, input),
                        Digest = Digest(Directory.Exists(recorded.Path) ? ProvenanceStatement.DirectoryDigest : "sha256", recorded.Sha256),
                    });
            if (record.Inputs.Count == 0 && record.Upstream.Count == 0 && seen.Add(stage)) // a source stage: the builtin base model
                materials.Add(new ResourceDescriptor
                {
                    Name = stage, Uri = facts.UriByInput.GetValueOrDefault(stage, stage),
                    Digest = Digest(ProvenanceStatement.DirectoryDigest, record.OutputHash),
                    Annotations = new(StringComparer.Ordinal) { ["cache_entry"] = entry },
                });
        }
        var toolVersion = RunEnvironment.ToolVersionText();
        var plus = toolVersion.IndexOf('+');
        var (version, commit) = plus < 0 ? (toolVersion, null) : (toolVersion[..plus], toolVersion[(plus + 1)..]);
        materials.Add(new ResourceDescriptor
        {
            Name = ProvenanceStatement.ToolMaterial, Uri = $"pkg:nuget/medtune@{version}",
            Digest = commit is null ? new(StringComparer.Ordinal) : Digest("gitCommit", commit),
            Annotations = new(StringComparer.Ordinal) { ["version"] = toolVersion },
        });

        return new ProvenanceStatement
        {
            Subject = subjects.OrderBy(s => s.Name, StringComparer.Ordinal).ToArray(),
            Predicate = new SlsaPredicate
            {
                BuildDefinition = new BuildDefinition
                {
                    ExternalParameters = new(StringComparer.Ordinal)
                    {
                        ["experiment"] = facts.Experiment,
                        ["manifest"] = Path.GetFileName(facts.ManifestPath),
                        ["seed"] = facts.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    },
                    InternalParameters = new(records.ToDictionary(r => r.Key, r => r.Value.Record.Key), StringComparer.Ordinal)
                    {
                        [context.StageName] = context.Key,
                    },
                    ResolvedDependencies = materials,
                },
                RunDetails = new RunDetails
                {
                    Builder = new Builder { Version = new(StringComparer.Ordinal) { ["medtune"] = toolVersion } },
                    Metadata = new BuildMetadata { InvocationId = context.Key, StartedOn = startedOn, FinishedOn = DateTimeOffset.UtcNow },
                },
            },
        };
    }

    /// <summary>Upstream outputs live at <c>&lt;cache&gt;/&lt;kind&gt;/&lt;key&gt;</c>.</summary>
    private static string CacheRootOf(StageContext context) =>
        context.UpstreamOutputs.Values.Select(d => Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(d)))).FirstOrDefault()
        ?? throw new InvalidOperationException($"Stage '{context.StageName}' has no upstream stages; a provenance statement needs their records.");

    private static void Collect(string cacheRoot, string name, StageRecord record, SortedDictionary<string, (string, StageRecord)> records)
    {
        if (records.ContainsKey(name)) return;
        records[name] = ($"{record.Kind}/{record.Key}", record);
        foreach (var (upstreamName, upstream) in record.Upstream)
        {
            var recordPath = Directory.EnumerateDirectories(cacheRoot)
                .Select(kindDirectory => Path.Combine(kindDirectory, upstream.Key, StageCache.RecordFileName))
                .FirstOrDefault(File.Exists);
            if (recordPath is not null) Collect(cacheRoot, upstreamName, StageRecord.Read(recordPath), records);
        }
    }

    private static ResourceDescriptor Sha256(string name, string sha256) => new() { Name = name, Digest = Digest("sha256", sha256) };

    private static SortedDictionary<string, string> Digest(string algorithm, string value) =>
        new(StringComparer.Ordinal) { [algorithm] = value };
}
