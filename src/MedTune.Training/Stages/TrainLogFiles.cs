using System.Text.Json.Nodes;

namespace MedTune.Training;

/// <summary>
/// Splits the trainer's step log for the published output: <c>train_log.jsonl</c> keeps what the seed determines
/// (step, epoch, loss, learning rate, gradient norm, tokens), so that a re-run reproduces it byte for byte and
/// <c>medtune verify --rerun</c> can compare it; throughput and memory go to <c>.medtune-train-timing.jsonl</c>,
/// which, like the stage record, is kept beside the output but not hashed.
/// </summary>
internal static class TrainLogFiles
{
    public const string TimingFileName = ".medtune-train-timing.jsonl";
    private static readonly string[] TimingFields = ["tokens_per_s", "rss_mb"];

    public static void Split(string workLogPath, string outputDirectory)
    {
        var deterministic = new List<string>();
        var timing = new List<string>();
        foreach (var line in File.ReadLines(workLogPath))
        {
            if (line.Length == 0) continue;
            var record = (JsonObject)JsonNode.Parse(line)!;
            var speed = new JsonObject { ["step"] = record["step"]?.DeepClone() };
            foreach (var field in TimingFields)
                if (record.Remove(field, out var value)) speed[field] = value;
            deterministic.Add(record.ToJsonString());
            timing.Add(speed.ToJsonString());
        }
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, TrainingCheckpoint.LogFile), string.Concat(deterministic.Select(l => l + "\n")));
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, TimingFileName), string.Concat(timing.Select(l => l + "\n")));
    }
}
