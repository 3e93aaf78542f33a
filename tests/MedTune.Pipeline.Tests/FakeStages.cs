using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MedTune.Testing;

namespace MedTune.Pipeline.Tests;

/// <summary>A stage that writes small deterministic files (its config and its upstream outputs) and counts its runs.</summary>
internal sealed class FakeStage(string kind, JsonNode config, Func<StageContext, CancellationToken, Task>? body = null) : IStage
{
    private int runs;

    public string Kind => kind;
    public int ImplementationVersion { get; set; } = 1;
    public int Runs => runs;

    public async Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref runs);
        if (body is not null) await body(context, cancellationToken);
        else WriteDefaultOutput(context, config);
    }

    public static void WriteDefaultOutput(StageContext context, JsonNode config)
    {
        var upstream = string.Join("\n", context.UpstreamOutputs.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + ": " + File.ReadAllText(Path.Combine(p.Value, "result.txt"))));
        File.WriteAllText(Path.Combine(context.OutputDirectory, "result.txt"),
            $"{context.StageName} seed={context.Seed} config={CanonicalJson.Serialize(config)}\n{upstream}");
        Directory.CreateDirectory(Path.Combine(context.OutputDirectory, "sub"));
        File.WriteAllBytes(Path.Combine(context.OutputDirectory, "sub", "data.bin"), [1, 2, 3, (byte)context.StageName.Length]);
        context.RecordFacts["examples"] = 3;
    }
}

/// <summary>
/// A seven-stage experiment shaped like medtune's: train → merge → export-tuned → evaluate-tuned → report, plus a
/// sibling branch export-base → evaluate-base that also feeds report. Configs are editable between runs.
/// </summary>
internal sealed class FakePipeline : IDisposable
{
    private readonly TempDirectory directory = new();

    public FakePipeline()
    {
        Directory.CreateDirectory(Path.Combine(Root, "data"));
        File.WriteAllText(TrainData, "{\"instruction\":\"質問\",\"output\":\"回答\"}\n");
        Configs = new Dictionary<string, JsonNode>
        {
            ["train"] = JsonNode.Parse("""{"train":{"learning_rate":0.0003,"epochs":1}}""")!,
            ["merge"] = JsonNode.Parse("""{"merge":{"dtype":"float32"}}""")!,
            ["export-tuned"] = JsonNode.Parse("""{"export":{"opset":17}}""")!,
            ["export-base"] = JsonNode.Parse("""{"export":{"opset":17},"model":"base"}""")!,
            ["evaluate-tuned"] = JsonNode.Parse("""{"evaluate":{"max_new_tokens":8}}""")!,
            ["evaluate-base"] = JsonNode.Parse("""{"evaluate":{"max_new_tokens":8}}""")!,
            ["report"] = JsonNode.Parse("""{"report":{"title":"JMedLoRA"}}""")!,
        };
    }

    public string Root => directory.Path;
    public string TrainData => Path.Combine(Root, "data", "train.jsonl");
    public string CacheRoot => Path.Combine(Root, "artifacts", "cache");
    public StageCache Cache => new(CacheRoot);
    public Dictionary<string, JsonNode> Configs { get; }
    public Dictionary<string, FakeStage> Stages { get; } = new();
    /// <summary>Replaces a stage's behaviour from the next run on (e.g. one that fails midway).</summary>
    public Dictionary<string, Func<StageContext, CancellationToken, Task>> Bodies { get; } = new();
    public Dictionary<string, int> ImplementationVersions { get; } = new();

    public static readonly (string Name, string Kind, string[] DependsOn)[] Shape =
    [
        ("train", "train", []),
        ("merge", "merge", ["train"]),
        ("export-tuned", "export", ["merge"]),
        ("export-base", "export", []),
        ("evaluate-tuned", "evaluate", ["export-tuned"]),
        ("evaluate-base", "evaluate", ["export-base"]),
        ("report", "report", ["evaluate-tuned", "evaluate-base"]),
    ];

    /// <summary>Fresh definitions from the current configs; the stage objects (and their run counters) are kept.</summary>
    public List<StageDefinition> Definitions()
    {
        var definitions = new List<StageDefinition>();
        foreach (var (name, kind, dependsOn) in Shape)
        {
            var config = Configs[name].DeepClone();
            if (!Stages.TryGetValue(name, out var stage))
                Stages[name] = stage = new FakeStage(kind, config, (c, ct) =>
                {
                    if (Bodies.TryGetValue(c.StageName, out var body)) return body(c, ct);
                    FakeStage.WriteDefaultOutput(c, Configs[c.StageName]);
                    return Task.CompletedTask;
                });
            stage.ImplementationVersion = ImplementationVersions.GetValueOrDefault(name, 1);
            var inputs = name == "train" ? new[] { TrainData } : [];
            definitions.Add(new StageDefinition(name, stage, config, inputs, dependsOn)
            {
                InputNames = name == "train" ? ["datasets.train[0]"] : null,
            });
        }
        return definitions;
    }

    public Task<PipelineResult> RunAsync(string? until = null, string[]? force = null, IStageReporter? reporter = null, CancellationToken cancellationToken = default) =>
        new PipelineRunner(new PipelineRunnerOptions
        {
            CacheRoot = CacheRoot,
            Seed = 42,
            Until = until,
            Force = force ?? [],
            Reporter = reporter ?? SilentStageReporter.Instance,
            ExperimentDirectory = Root,
        }).RunAsync(Definitions(), cancellationToken);

    public Dictionary<string, string> Keys(PipelineResult result) => result.Stages.ToDictionary(s => s.Name, s => s.Key);

    public void Dispose() => directory.Dispose();
}

internal sealed class RecordingReporter : IStageReporter
{
    public ConcurrentQueue<string> Messages { get; } = new();
    public Action<string>? OnMessage { get; init; }

    public void Info(string message) => Add(message);
    public void Warning(string message) => Add("warning: " + message);
    public IStageProgress StartProgress(string description, double total, string unit) =>
        SilentStageReporter.Instance.StartProgress(description, total, unit);

    private void Add(string message)
    {
        Messages.Enqueue(message);
        OnMessage?.Invoke(message);
    }
}
