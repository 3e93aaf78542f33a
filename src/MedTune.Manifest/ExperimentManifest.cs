namespace MedTune.Manifest;

// The experiment manifest as C# types. YAML keys are the snake_case of the property names
// (e.g. TargetModules <-> target_modules). Every default lives here, in one place, and is
// documented in README.md ("Manifest reference"). Paths are as written in the YAML; the loader
// resolves them relative to the manifest file into the Resolved* properties.

/// <summary>Root of an experiment manifest (<c>experiments/NAME.yaml</c>).</summary>
public sealed class ExperimentManifest
{
    /// <summary>Experiment name; names the lock file <c>NAME.lock.json</c>. Letters, digits, '-', '_', '.'.</summary>
    public string Name { get; set; } = "";
    /// <summary>Seed for everything random: data order, LoRA init, dropout, bootstrap, option shuffling.</summary>
    public int Seed { get; set; } = 42;
    public ModelSection Model { get; set; } = new();
    public LoraSection Lora { get; set; } = new();
    public DatasetsSection Datasets { get; set; } = new();
    public TrainSection Train { get; set; } = new();
    public ExportSection Export { get; set; } = new();
    public EvaluateSection Evaluate { get; set; } = new();
    public ReportSection Report { get; set; } = new();

    /// <summary>Absolute path of the manifest file this was loaded from (not a YAML key).</summary>
    public string ManifestPath { get; set; } = "";
    /// <summary>Directory of the manifest; relative paths resolve against it (not a YAML key).</summary>
    public string ManifestDirectory => Path.GetDirectoryName(ManifestPath) ?? ".";
}

public sealed class ModelSection
{
    /// <summary>Path to a Hugging Face checkpoint directory, or <c>builtin:tiny-llama</c> / <c>builtin:tiny-neox</c>.</summary>
    public string Base { get; set; } = "builtin:tiny-llama";
    /// <summary><c>auto</c> (from config.json), <c>llama</c> or <c>gpt_neox</c>.</summary>
    public string Family { get; set; } = "auto";
    /// <summary>Compute/storage dtype for training: <c>float32</c>, <c>bfloat16</c>, <c>float16</c>.</summary>
    public string Dtype { get; set; } = "float32";
    /// <summary><c>auto</c>, <c>cpu</c> or <c>cuda</c> (TorchSharp device for train/merge).</summary>
    public string Device { get; set; } = "auto";
    /// <summary>Human-readable memory requirement note (paper manifests state it); informational only.</summary>
    public string? Requires { get; set; }

    public bool IsBuiltin => Base.StartsWith("builtin:", StringComparison.Ordinal);
    public string? ResolvedBasePath { get; set; }
}

public sealed class LoraSection
{
    public int R { get; set; } = 8;
    public double Alpha { get; set; } = 16;
    public double Dropout { get; set; } = 0.05;
    /// <summary>Module names (e.g. q_proj, v_proj) or the single entry <c>all-linear</c>.</summary>
    public List<string> TargetModules { get; set; } = new() { "q_proj", "v_proj" };
    /// <summary>rsLoRA scaling alpha/sqrt(r) instead of alpha/r.</summary>
    public bool UseRslora { get; set; } = false;
}

public sealed class DatasetsSection
{
    public List<DatasetSpec> Train { get; set; } = new();
    public List<DatasetSpec> Eval { get; set; } = new();
}

public sealed class DatasetSpec
{
    /// <summary>Short name used in reports; defaults to the file name without extension.</summary>
    public string? Name { get; set; }
    /// <summary>A <c>.jsonl</c> file or a directory of <c>*.jsonl</c> (IgakuQA layout).</summary>
    public string Path { get; set; } = "";
    /// <summary><c>alpaca</c> (instruction/input/output) or <c>exam</c> (IgakuQA/JJSIMQA question records).</summary>
    public string Format { get; set; } = "alpaca";
    /// <summary>Training prompt template: <c>alpaca_ja</c> (default) or <c>alpaca_en</c>.</summary>
    public string Template { get; set; } = "alpaca_ja";
    public DatasetFilters Filters { get; set; } = new();
    /// <summary>Skip (and report) malformed records instead of failing.</summary>
    public bool SkipInvalid { get; set; } = false;

    public string? ResolvedPath { get; set; }
}

public sealed class DatasetFilters
{
    /// <summary>Keep only questions whose <c>text_only</c> is true.</summary>
    public bool? TextOnly { get; set; }
    /// <summary>Keep only questions with exactly this many choices.</summary>
    public int? Choices { get; set; }
    /// <summary>Exam years (directory names such as 2018) to keep; empty = all.</summary>
    public List<int> Years { get; set; } = new();
    /// <summary>Sections (e.g. 112-A or A) to keep; empty = all.</summary>
    public List<string> Sections { get; set; } = new();
    /// <summary>Keep at most this many questions (first N after filtering); null = all.</summary>
    public int? Limit { get; set; }
}

public sealed class TrainSection
{
    public int Epochs { get; set; } = 3;
    /// <summary>If set, overrides epochs.</summary>
    public int? MaxSteps { get; set; }
    public double LearningRate { get; set; } = 3e-4;
    /// <summary><c>constant</c>, <c>linear</c> or <c>cosine</c>.</summary>
    public string Scheduler { get; set; } = "cosine";
    public int WarmupSteps { get; set; } = 0;
    public int BatchSize { get; set; } = 4;
    public int GradientAccumulationSteps { get; set; } = 1;
    public int MaxSeqLength { get; set; } = 256;
    public double WeightDecay { get; set; } = 0.0;
    public double MaxGradNorm { get; set; } = 1.0;
    /// <summary><c>response</c> (loss on response tokens only) or <c>all</c>.</summary>
    public string TrainOn { get; set; } = "response";
    /// <summary>Write a resumable checkpoint every N optimizer steps (0 = only at the end).</summary>
    public int CheckpointEvery { get; set; } = 50;
    /// <summary>Log one line every N optimizer steps.</summary>
    public int LogEvery { get; set; } = 1;
}

public sealed class ExportSection
{
    public int Opset { get; set; } = 21;
    /// <summary><c>fp32</c>, <c>fp16</c> or <c>int4</c> (weight-only, MatMulNBits).</summary>
    public string Precision { get; set; } = "fp32";
}

public sealed class EvaluateSection
{
    /// <summary>Which models to evaluate: any of <c>base</c>, <c>tuned</c>.</summary>
    public List<string> Models { get; set; } = new() { "base", "tuned" };
    /// <summary><c>alpaca_ja_option_text</c> (paper), <c>step_by_step</c>, <c>igakuqa_letters</c>.</summary>
    public string Template { get; set; } = "alpaca_ja_option_text";
    public int Shots { get; set; } = 0;
    /// <summary>File of few-shot exemplars (exam record format); required when shots &gt; 0.</summary>
    public string? FewshotPath { get; set; }
    public bool ShuffleOptions { get; set; } = false;
    public DecodingSection Decoding { get; set; } = new();
    public int BatchSize { get; set; } = 8;
    /// <summary>Metrics to report: <c>accuracy</c>, <c>exact_match</c>, <c>gestalt</c>, <c>letter</c>, <c>loglik</c>.</summary>
    public List<string> Metrics { get; set; } = new() { "accuracy", "exact_match", "gestalt" };
    /// <summary><c>auto</c> (CUDA execution provider where present), <c>cpu</c> or <c>cuda</c>.</summary>
    public string Device { get; set; } = "auto";
    public int BootstrapResamples { get; set; } = 1000;

    public string? ResolvedFewshotPath { get; set; }
}

public sealed class DecodingSection
{
    /// <summary><c>greedy</c> or <c>sample</c>.</summary>
    public string Strategy { get; set; } = "greedy";
    public double Temperature { get; set; } = 1.0;
    public double TopP { get; set; } = 1.0;
    public int MaxNewTokens { get; set; } = 32;
}

public sealed class ReportSection
{
    public string Title { get; set; } = "";
    /// <summary>Any of <c>md</c>, <c>html</c>, <c>json</c>.</summary>
    public List<string> Formats { get; set; } = new() { "md", "html", "json" };
}
