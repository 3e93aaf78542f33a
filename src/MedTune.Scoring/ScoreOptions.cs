namespace MedTune.Scoring;

/// <summary>Whether letter scoring applies the IgakuQA release's two official exceptions (116A71, 112B30).</summary>
public enum OfficialExceptions
{
    /// <summary>Apply them to questions read from IgakuQA section files (<c>NNN-X.jsonl</c>), not to other sets.</summary>
    Auto,
    Apply,
    Ignore,
}

public sealed class ScoreOptions
{
    public int BootstrapResamples { get; init; } = Statistics.Bootstrap.DefaultResamples;
    /// <summary>Seed of the bootstrap (the manifest's <c>seed</c>).</summary>
    public int Seed { get; init; } = 42;
    public double ConfidenceLevel { get; init; } = 0.95;
    /// <summary>Response markers of the prompt template (e.g. <c>### 応答：</c>); responses are cut after the first one.</summary>
    public IReadOnlyList<string> ResponseMarkers { get; init; } = Array.Empty<string>();
    public OfficialExceptions OfficialExceptions { get; init; } = OfficialExceptions.Auto;
    /// <summary>Prompt template, shots, decoding settings etc., copied into the report.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    internal ulong BootstrapSeed => unchecked((ulong)(long)Seed);
}
