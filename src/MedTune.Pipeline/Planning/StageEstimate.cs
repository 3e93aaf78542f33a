namespace MedTune.Pipeline.Planning;

/// <summary>One term of an estimate: what it is, its size, and how it was computed.</summary>
public sealed record EstimateLine(string Item, long Bytes, string Detail);

/// <summary>
/// The memory one stage needs at its peak (the sum of <see cref="Memory"/>) on its device, and what it writes to
/// disk. <see cref="Figures"/> holds named figures that are not part of the sum (the load phase's peak,
/// activations with and without checkpointing) for the benchmark and for <c>--json</c>.
/// </summary>
public sealed record StageEstimate(
    string Stage,
    DeviceBudget Device,
    IReadOnlyList<EstimateLine> Memory,
    IReadOnlyList<EstimateLine> Disk,
    IReadOnlyDictionary<string, long> Figures)
{
    public long PeakBytes => Memory.Sum(l => l.Bytes);
    public long DiskBytes => Disk.Sum(l => l.Bytes);
    /// <summary>True or false against the device's budget; null when the budget is unknown.</summary>
    public bool? Fits => Device.Bytes is { } budget ? PeakBytes <= budget : null;
    /// <summary>When it does not fit: the settings to change, in order, each with the peak after it (cumulative).</summary>
    public IReadOnlyList<Remedy> Remedies { get; init; } = [];
}

/// <summary>A manifest setting to change (<c>key: value</c>) and the stage's estimated peak once it (and the ones before it) is applied.</summary>
public sealed record Remedy(string Setting, long PeakBytesAfter);

/// <summary>Every stage's estimate, plus the assumptions behind the figures.</summary>
public sealed record ResourcePlan(IReadOnlyList<StageEstimate> Stages, IReadOnlyList<string> Assumptions)
{
    public StageEstimate? Find(string stage) => Stages.FirstOrDefault(s => s.Stage == stage);
    public IEnumerable<StageEstimate> Misfits => Stages.Where(s => s.Fits == false);
}
