namespace MedTune.Pipeline;

internal static class StageRecordBuilder
{
    public static StageRecord Build(
        StageDefinition definition, StageKeyInputs keyInputs, string key, IReadOnlyDictionary<string, StageOutcome> upstream,
        IReadOnlyList<HashedFile> files, DateTimeOffset startedAt, TimeSpan duration, StageContext context, GitState git)
    {
        var record = new StageRecord
        {
            Stage = definition.Name,
            Kind = keyInputs.Kind,
            Key = key,
            ImplVersion = keyInputs.ImplementationVersion,
            Config = keyInputs.Config,
            Seed = keyInputs.Seed,
            OutputHash = ContentHasher.CombineDirectory(files),
            StartedAt = startedAt,
            FinishedAt = startedAt + duration,
            DurationSeconds = Math.Round(duration.TotalSeconds, 3),
            Environment = RunEnvironment.Capture(git),
        };
        foreach (var input in definition.Inputs)
            record.Inputs[input.Name] = new RecordedInput(input.Path, keyInputs.Inputs[input.Name]);
        foreach (var name in definition.DependsOn)
            record.Upstream[name] = new RecordedUpstream(upstream[name].Key, upstream[name].OutputHash);
        foreach (var file in files)
            record.Outputs[file.RelativePath] = new RecordedFile(file.Sha256, file.Size);
        foreach (var (name, value) in context.RecordFacts)
            record.Facts[name] = value?.DeepClone();
        return record;
    }
}
