namespace MedTune.Bench.Training;

/// <summary>The fixed benchmark shape, shared with peer_lora_bench.py through command-line flags printed by run.sh.</summary>
internal static class BenchConfig
{
    public const int Hidden = 768;
    public const int Layers = 12;
    public const int Heads = 12;
    public const int Intermediate = 2048;
    public const int Vocab = 32000;
    public const int Rank = 8;
    public const double Alpha = 16;
    public const int Batch = 4;
    public const int SequenceLength = 256;
    public const double LearningRate = 1e-4;
}
