using MedTune.Inference;
using MedTune.Manifest;

namespace MedTune.Evaluation;

/// <summary>How a dataset is evaluated: prompt template, exemplars, option shuffling, decoding, metrics.</summary>
public sealed record EvaluationSettings
{
    public string Template { get; init; } = EvaluationTemplates.AlpacaJaOptionText;
    public IReadOnlyList<FewShotExemplar> Exemplars { get; init; } = [];
    public bool ShuffleOptions { get; init; }
    public int Seed { get; init; }
    /// <summary>Stop strings are taken from the template, not from here.</summary>
    public DecodingOptions Decoding { get; init; } = new();
    /// <summary>Any of <see cref="MetricNames.Selectable"/>.</summary>
    public IReadOnlyList<string> Metrics { get; init; } = ["accuracy", "exact_match", "gestalt"];
    public int BootstrapResamples { get; init; } = 1000;
    /// <summary>e.g. <c>greedy, max_new_tokens=64</c>.</summary>
    public string DecodingDescription { get; init; } = "greedy, max_new_tokens=32";

    /// <summary>The settings every score report states (template, shots, decoding, option order).</summary>
    public IReadOnlyDictionary<string, string> Describe() => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["template"] = Template,
        ["shots"] = Exemplars.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["fewshot_ids"] = string.Join(",", Exemplars.Select(e => e.Question.ProblemId)),
        ["shuffle_options"] = ShuffleOptions ? $"yes (seed {Seed})" : "no",
        ["decoding"] = DecodingDescription,
    };

    public static EvaluationSettings FromManifest(ExperimentManifest manifest)
    {
        var evaluate = manifest.Evaluate;
        foreach (var metric in evaluate.Metrics)
            if (!MetricNames.Selectable.Contains(metric))
                throw new ArgumentException($"Unknown metric '{metric}' in evaluate.metrics. Use any of: {string.Join(", ", MetricNames.Selectable)}.");
        if (evaluate.Shots < 0) throw new ArgumentException($"evaluate.shots must be 0 or more (got {evaluate.Shots}).");

        IReadOnlyList<FewShotExemplar> exemplars = [];
        if (evaluate.Shots > 0)
        {
            var path = evaluate.ResolvedFewshotPath ?? evaluate.FewshotPath
                ?? throw new ArgumentException("evaluate.shots > 0 needs evaluate.fewshot_path (a file of exemplars in exam record format).");
            var all = FewShotExemplar.Load(path);
            if (all.Count < evaluate.Shots)
                throw new ArgumentException($"evaluate.shots is {evaluate.Shots} but '{path}' holds only {all.Count} exemplars.");
            exemplars = all.Take(evaluate.Shots).ToArray();
        }

        return new EvaluationSettings
        {
            Template = EvaluationTemplates.Validate(evaluate.Template),
            Exemplars = exemplars,
            ShuffleOptions = evaluate.ShuffleOptions,
            Seed = manifest.Seed,
            Decoding = ToDecodingOptions(evaluate.Decoding, evaluate.BatchSize, manifest.Seed),
            Metrics = evaluate.Metrics.ToArray(),
            BootstrapResamples = evaluate.BootstrapResamples,
            DecodingDescription = DescribeDecoding(evaluate.Decoding),
        };
    }

    public static string DescribeDecoding(DecodingSection decoding) => decoding.Strategy == "greedy"
        ? $"greedy, max_new_tokens={decoding.MaxNewTokens}"
        : $"sample, temperature={decoding.Temperature}, top_p={decoding.TopP}, max_new_tokens={decoding.MaxNewTokens}";

    public static DecodingOptions ToDecodingOptions(DecodingSection decoding, int batchSize, int seed) => decoding.Strategy switch
    {
        "greedy" => new DecodingOptions { MaxNewTokens = decoding.MaxNewTokens, Temperature = 0, TopP = 1, Seed = seed, BatchSize = batchSize },
        "sample" => new DecodingOptions { MaxNewTokens = decoding.MaxNewTokens, Temperature = decoding.Temperature, TopP = decoding.TopP, Seed = seed, BatchSize = batchSize },
        _ => throw new ArgumentException($"Unknown evaluate.decoding.strategy '{decoding.Strategy}'. Use greedy or sample."),
    };
}
