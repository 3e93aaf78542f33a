using MedTune.Manifest;

namespace MedTune.Training.Tests;

internal static class TestData
{
    public static readonly (string Instruction, string Input, string Output)[] Facts =
    [
        ("色を答えて", "空", "青"),
        ("色を答えて", "草", "緑"),
        ("色を答えて", "血", "赤"),
        ("数を答えて", "", "三"),
        ("臓器は", "心", "循環器"),
        ("臓器は", "肺", "呼吸器"),
        ("臓器は", "胃", "消化器"),
        ("薬は", "", "アスピリン"),
    ];

    public static IReadOnlyList<InstructionExample> Examples =>
        Facts.Select((f, i) => new InstructionExample(f.Instruction, f.Input, f.Output, $"facts:{i + 1}")).ToList();

    public static IReadOnlyList<TokenizedExample> Tokenized(int maxSeqLength = 256) =>
        new ExampleEncoder(new CharTokenizer(), PromptTemplates.AlpacaEn, maxSeqLength, TrainOn.Response).Encode(Examples).Examples;

    public static LoraSection Lora(double dropout = 0.0, params string[] targets) => new()
    {
        R = 4,
        Alpha = 8,
        Dropout = dropout,
        TargetModules = targets.Length == 0 ? ["q_proj", "v_proj"] : targets.ToList(),
    };

    public static TrainSection Train(int maxSteps, int checkpointEvery = 0) => new()
    {
        MaxSteps = maxSteps,
        LearningRate = 1e-2,
        Scheduler = "cosine",
        WarmupSteps = 2,
        BatchSize = 3,
        GradientAccumulationSteps = 2,
        MaxSeqLength = 256,
        WeightDecay = 0.01,
        MaxGradNorm = 1.0,
        CheckpointEvery = checkpointEvery,
    };
}
