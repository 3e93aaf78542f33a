namespace MedTune.Checkpoints;

/// <summary>
/// <c>rope_scaling</c> of a Llama config. <c>linear</c> divides positions by <see cref="Factor"/>;
/// <c>llama3</c> rescales the inverse frequencies band by band (Llama 3.1's long-context recipe).
/// </summary>
public sealed record RopeScaling(
    string Type,
    double Factor,
    double LowFrequencyFactor = 1,
    double HighFrequencyFactor = 4,
    int OriginalMaxPositionEmbeddings = 8192);
