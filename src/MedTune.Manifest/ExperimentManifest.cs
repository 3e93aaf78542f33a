namespace MedTune.Manifest;

// The experiment manifest as C# types. YAML keys are the snake_case of the property names
// (e.g. TargetModules <-> target_modules). Every default lives here, in the initialisers, and every
// key's description and allowed values live here, in the attributes (see ManifestAttributes.cs);
// docs/manifest.md and `medtune schema` are generated from them. Paths are as written in the YAML
// (after ${VAR} expansion); the loader resolves them relative to the manifest file into the
// [NotAKey] Resolved* properties.

/// <summary>Root of an experiment manifest (<c>experiments/NAME.yaml</c>).</summary>
public sealed class ExperimentManifest
{
    public const string NamePattern = "^[A-Za-z0-9._-]+$";

    [Doc("Experiment name; names the lock file NAME.lock.json and the report."), Required]
    [Pattern(NamePattern, "letters, digits, '.', '_' and '-' only")]
    public string Name { get; set; } = "";

    [Doc("Seed for everything random: data order, LoRA init, dropout, sampling, bootstrap, option shuffling."), Min(0)]
    public int Seed { get; set; } = 42;

    [Doc("The base model to adapt.")]
    public ModelSection Model { get; set; } = new();
    [Doc("LoRA adapter settings.")]
    public LoraSection Lora { get; set; } = new();
    [Doc("Training data and evaluation data.")]
    public DatasetsSection Datasets { get; set; } = new();
    [Doc("Optimiser and schedule for LoRA training.")]
    public TrainSection Train { get; set; } = new();
    [Doc("ONNX export of the base and merged models.")]
    public ExportSection Export { get; set; } = new();
    [Doc("Evaluation on exam questions.")]
    public EvaluateSection Evaluate { get; set; } = new();
    [Doc("The comparison report.")]
    public ReportSection Report { get; set; } = new();
    [Doc("Where and how the stages run (local or Slurm, parallel jobs, resources per stage kind); never part of a stage key.")]
    public ExecutionSection Execution { get; set; } = new();

    /// <summary>Absolute path of the manifest file this was loaded from.</summary>
    [NotAKey] public string ManifestPath { get; set; } = "";
    /// <summary>Directory of the manifest; relative paths resolve against it.</summary>
    public string ManifestDirectory => Path.GetDirectoryName(ManifestPath) ?? ".";

    /// <summary>The whole manifest in canonical JSON form (see <see cref="ManifestJson"/>).</summary>
    public System.Text.Json.Nodes.JsonObject ToCanonicalJson() => ManifestJson.Section(this);
}

public sealed class ModelSection
{
    public static readonly IReadOnlyList<string> BuiltinNames = ["builtin:tiny-llama", "builtin:tiny-neox"];

    [Doc("Hugging Face checkpoint directory (config.json, *.safetensors, tokenizer), or builtin:tiny-llama / builtin:tiny-neox."), PathValue]
    public string Base { get; set; } = "builtin:tiny-llama";
    [Doc("Model architecture; auto reads model_type from config.json."), OneOf("auto", "llama", "gpt_neox")]
    public string Family { get; set; } = "auto";
    [Doc("Compute and storage dtype for training and merging."), OneOf("float32", "bfloat16", "float16")]
    public string Dtype { get; set; } = "float32";
    [Doc("TorchSharp device for train/merge; auto uses CUDA when present."), OneOf("auto", "cpu", "cuda")]
    public string Device { get; set; } = "auto";
    [Doc("Human-readable memory requirement note; informational only.")]
    public string? Requires { get; set; }
    [Doc("Memory of the GPU that cuda stages run on, in GB (10^9 bytes); medtune plan shows each stage against it and medtune run refuses a stage that cannot fit. Unset: cuda stages are not checked (cpu stages are checked against this machine's RAM)."), Min(0, Exclusive = true)]
    public double? DeviceMemoryGb { get; set; }
    [Doc("Load the frozen base weights quantized (QLoRA); LoRA weights stay float32.")]
    public QuantizationSection Quantization { get; set; } = new();

    public bool IsBuiltin => Base.StartsWith("builtin:", StringComparison.Ordinal);
    /// <summary>Absolute checkpoint directory; null for a builtin model.</summary>
    [NotAKey] public string? ResolvedBasePath { get; set; }
}

/// <summary>4-bit storage of the frozen base (QLoRA), as bitsandbytes' <c>BitsAndBytesConfig</c>.</summary>
public sealed class QuantizationSection
{
    [Doc("none, nf4 (4-bit NormalFloat, QLoRA) or fp4; the linear layers' weights are stored in 4 bit and dequantized per matmul."), OneOf("none", "nf4", "fp4")]
    public string Type { get; set; } = "none";
    [Doc("Also quantize the per-block absmax constants to 8 bit (blocks of 256 around their mean), as bnb_4bit_use_double_quant.")]
    public bool DoubleQuant { get; set; } = false;
    [Doc("Weights per absmax block: 32, 64 (bitsandbytes' default for NF4/FP4), 128, …, 4096."), Min(32), Max(4096)]
    public int BlockSize { get; set; } = 64;
    /// <summary>The block sizes bitsandbytes (and medtune's quantizer) support.</summary>
    public static readonly IReadOnlyList<int> BlockSizes = [32, 64, 128, 256, 512, 1024, 2048, 4096];
    [Doc("dtype the 4-bit weights are dequantized to for each matmul (bnb_4bit_compute_dtype)."), OneOf("bfloat16", "float16", "float32")]
    public string ComputeDtype { get; set; } = "bfloat16";

    public bool IsQuantized => Type != "none";
}

public sealed class LoraSection
{
    [Doc("LoRA rank."), Min(1)]
    public int R { get; set; } = 8;
    [Doc("LoRA scaling numerator: the update is scaled by alpha/r (alpha/sqrt(r) with use_rslora)."), Min(0, Exclusive = true)]
    public double Alpha { get; set; } = 16;
    [Doc("Dropout on the LoRA input during training."), Min(0), Max(1, Exclusive = true)]
    public double Dropout { get; set; } = 0.05;
    [Doc("Linear module names to adapt (e.g. q_proj, v_proj), or the single entry all-linear."), NonEmpty]
    [Pattern("^[A-Za-z0-9_.-]+$", "a module name such as q_proj, or all-linear")]
    public List<string> TargetModules { get; set; } = new() { "q_proj", "v_proj" };
    [Doc("rsLoRA scaling alpha/sqrt(r) instead of alpha/r.")]
    public bool UseRslora { get; set; } = false;
}

public sealed class DatasetsSection
{
    [Doc("Instruction data for LoRA training (needed when evaluate.models includes tuned).")]
    public List<DatasetSpec> Train { get; set; } = new();
    [Doc("Exam questions to evaluate on."), NonEmpty]
    public List<DatasetSpec> Eval { get; set; } = new();
}

public sealed class DatasetSpec
{
    [Doc("Short name used in reports; defaults to the file or directory name without extension.")]
    [Pattern(ExperimentManifest.NamePattern, "letters, digits, '.', '_' and '-' only")]
    public string? Name { get; set; }
    [Doc("A .jsonl file, or a directory: under eval, every IgakuQA section file NNN-X.jsonl below it (e.g. 2018/112-A.jsonl; other files are ignored); under train, every *.jsonl below it except *_metadata.jsonl and *_translate.jsonl."), Required, PathValue]
    public string Path { get; set; } = "";
    [Doc("Record format: alpaca (instruction/input/output) or exam (IgakuQA/JJSIMQA question records); default alpaca under train, exam under eval."), OneOf("alpaca", "exam")]
    public string Format { get; set; } = "alpaca";
    [Doc("Training prompt template."), OneOf("alpaca_ja", "alpaca_en")]
    public string Template { get; set; } = "alpaca_ja";
    [Doc("Which records to keep (exam data).")]
    public DatasetFilters Filters { get; set; } = new();
    [Doc("Skip (and report) malformed records instead of failing.")]
    public bool SkipInvalid { get; set; } = false;

    /// <summary>Absolute path of the file or directory.</summary>
    [NotAKey] public string? ResolvedPath { get; set; }
}

public sealed class DatasetFilters
{
    [Doc("Keep only questions whose text_only is true (false: only those with images; unset: all).")]
    public bool? TextOnly { get; set; }
    [Doc("Keep only questions with exactly this many choices."), Min(1)]
    public int? Choices { get; set; }
    [Doc("Exam years (directory names such as 2018) to keep; empty = all."), Min(1900), Max(2100)]
    public List<int> Years { get; set; } = new();
    [Doc("Sections (e.g. 112-A or A) to keep; empty = all."), Pattern("^[0-9]*-?[A-Za-z]+$", "a section such as 112-A or A")]
    public List<string> Sections { get; set; } = new();
    [Doc("Keep at most this many questions (the first N after filtering); unset = all."), Min(1)]
    public int? Limit { get; set; }
}

public sealed class TrainSection
{
    [Doc("Passes over the training data."), Min(1)]
    public int Epochs { get; set; } = 3;
    [Doc("Optimizer steps to run; if set, overrides epochs."), Min(1)]
    public int? MaxSteps { get; set; }
    [Doc("Peak AdamW learning rate."), Min(0, Exclusive = true)]
    public double LearningRate { get; set; } = 3e-4;
    [Doc("Learning-rate schedule after warm-up."), OneOf("constant", "linear", "cosine")]
    public string Scheduler { get; set; } = "cosine";
    [Doc("Linear warm-up from 0 over this many optimizer steps."), Min(0)]
    public int WarmupSteps { get; set; } = 0;
    [Doc("Examples per micro-batch."), Min(1)]
    public int BatchSize { get; set; } = 4;
    [Doc("Micro-batches per optimizer step (effective batch = batch_size x this)."), Min(1)]
    public int GradientAccumulationSteps { get; set; } = 1;
    [Doc("Examples are truncated to this many tokens."), Min(8)]
    public int MaxSeqLength { get; set; } = 256;
    [Doc("AdamW decoupled weight decay."), Min(0)]
    public double WeightDecay { get; set; } = 0.0;
    [Doc("Clip the gradient norm to this value; 0 disables clipping."), Min(0)]
    public double MaxGradNorm { get; set; } = 1.0;
    [Doc("Which tokens carry loss: response (the answer only) or all."), OneOf("response", "all")]
    public string TrainOn { get; set; } = "response";
    [Doc("Write a resumable checkpoint every N optimizer steps (0 = only at the end)."), Min(0)]
    public int CheckpointEvery { get; set; } = 50;
    [Doc("Log one line every N optimizer steps."), Min(1)]
    public int LogEvery { get; set; } = 1;
    [Doc("Recompute each decoder layer's activations in the backward pass instead of keeping them (less memory, about a third more compute).")]
    public bool GradientCheckpointing { get; set; } = false;
    [Doc("Put examples of similar length in the same micro-batch (each epoch's shuffle is cut into groups of 50 steps' examples, each sorted by length) so that padding does not dominate; off keeps a plain shuffle, as Hugging Face's Trainer does by default.")]
    public bool GroupByLength { get; set; } = false;
}

public sealed class ExportSection
{
    [Doc("ONNX opset version."), Min(17), Max(23)]
    public int Opset { get; set; } = 21;
    [Doc("Weight precision of the exported model, a choice between exactness and size. fp32 (default): the weights as trained, " +
         "so evaluation scores the model itself (exact to ~1e-5 against TorchSharp in the export parity tests); 4 bytes a weight. " +
         "fp16: half the file, float32 compute. int4 (weight-only MatMulNBits, block 32): about an eighth of the file, at a cost " +
         "every int4 export measures against fp32 on the first 8 evaluation prompts (0-shot, datasets.eval[0]; a builtin Japanese medical set when there is none) and writes to int4_cost.json and the report " +
         "(on the random tiny builtin models: largest logit difference 0.16-0.23, greedy-token agreement 83%)."), OneOf("fp32", "fp16", "int4")]
    public string Precision { get; set; } = "fp32";
    [Doc("With precision int4: measure what int4 costs against the unquantized model (int4_cost.json, the record and the report). " +
         "The measurement exports an fp32 reference and runs both models in ONNX Runtime, so it needs about 4.6 bytes of memory " +
         "per parameter (31 GB for a 7B model, 324 GB for Llama-2-70B); medtune plan shows it and medtune run refuses an export that " +
         "cannot fit. false skips it, and the report says the cost was not measured.")]
    public bool Int4Cost { get; set; } = true;
    [Doc("Formats to write: onnx (always; evaluation runs it) and gguf (llama.cpp / Ollama files with the tokenizer embedded, plus an Ollama Modelfile)."),
     NonEmpty, OneOf("onnx", "gguf")]
    public List<string> Formats { get; set; } = new() { "onnx" };
    [Doc("GGUF tensor types, one file each (model-f16.gguf, model-q8_0.gguf); used when formats includes gguf."), NonEmpty, OneOf("f16", "q8_0")]
    public List<string> GgufTypes { get; set; } = new() { "f16", "q8_0" };
}

public sealed class EvaluateSection
{
    [Doc("Which models to evaluate."), NonEmpty, OneOf("base", "tuned")]
    public List<string> Models { get; set; } = new() { "base", "tuned" };
    [Doc("Prompt template: alpaca_ja_option_text (the paper's: answer with the option text), step_by_step, igakuqa_letters."),
     OneOf("alpaca_ja_option_text", "step_by_step", "igakuqa_letters")]
    public string Template { get; set; } = "alpaca_ja_option_text";
    [Doc("Few-shot exemplars put before each question."), Min(0)]
    public int Shots { get; set; } = 0;
    [Doc("File of few-shot exemplars in exam record format; required when shots > 0."), PathValue]
    public string? FewshotPath { get; set; }
    [Doc("Shuffle the options of each question (seeded) to test position bias.")]
    public bool ShuffleOptions { get; set; } = false;
    [Doc("How answers are generated.")]
    public DecodingSection Decoding { get; set; } = new();
    [Doc("Questions generated together."), Min(1)]
    public int BatchSize { get; set; } = 8;
    [Doc("Metrics to report."), NonEmpty, OneOf("accuracy", "exact_match", "gestalt", "letter", "loglik")]
    public List<string> Metrics { get; set; } = new() { "accuracy", "exact_match", "gestalt" };
    [Doc("ONNX Runtime device; auto uses the CUDA execution provider when present."), OneOf("auto", "cpu", "cuda")]
    public string Device { get; set; } = "auto";
    [Doc("Bootstrap resamples for confidence intervals (0 = none)."), Min(0)]
    public int BootstrapResamples { get; set; } = 1000;

    /// <summary>Absolute path of the few-shot file, when one is given.</summary>
    [NotAKey] public string? ResolvedFewshotPath { get; set; }
}

public sealed class DecodingSection
{
    [Doc("greedy (argmax) or sample (seeded)."), OneOf("greedy", "sample")]
    public string Strategy { get; set; } = "greedy";
    [Doc("Sampling temperature (sample only)."), Min(0, Exclusive = true)]
    public double Temperature { get; set; } = 1.0;
    [Doc("Nucleus sampling mass (sample only)."), Min(0, Exclusive = true), Max(1)]
    public double TopP { get; set; } = 1.0;
    [Doc("Most tokens generated per answer."), Min(1)]
    public int MaxNewTokens { get; set; } = 32;
}

public sealed class ReportSection
{
    [Doc("Report title; empty = the experiment name.")]
    public string Title { get; set; } = "";
    [Doc("Report files to write."), NonEmpty, OneOf("md", "html", "json")]
    public List<string> Formats { get; set; } = new() { "md", "html", "json" };
}

/// <summary>How the stages are executed. Machine facts only: nothing here is hashed into a stage key.</summary>
public sealed class ExecutionSection
{
    [Doc("local runs the stages in this process; slurm submits each uncached stage as an sbatch job (--executor overrides)."), OneOf("local", "slurm")]
    public string Executor { get; set; } = "local";
    [Doc("Local executor: stages run at the same time at most (--jobs overrides); also bounded by the memory the stages state (resources.*.mem)."), Min(1)]
    public int Jobs { get; set; } = 1;
    [Doc("Resources per stage kind (Slurm job settings; mem also bounds local --jobs).")]
    public ExecutionResources Resources { get; set; } = new();
}

/// <summary>Resources per stage kind; a kind's unset keys fall back to <c>defaults</c>.</summary>
public sealed class ExecutionResources
{
    [Doc("Settings every stage kind starts from.")]
    public StageResources Defaults { get; set; } = new();
    [Doc("The base-model stage (materialises a builtin tiny model).")]
    public StageResources BaseModel { get; set; } = new();
    [Doc("LoRA training.")]
    public StageResources Train { get; set; } = new();
    [Doc("Merging the adapter into the base weights.")]
    public StageResources Merge { get; set; } = new();
    [Doc("ONNX export.")]
    public StageResources Export { get; set; } = new();
    [Doc("Evaluation through ONNX Runtime.")]
    public StageResources Evaluate { get; set; } = new();
    [Doc("The report.")]
    public StageResources Report { get; set; } = new();

    /// <summary>The settings of a stage kind (base-model, train, ...) over the defaults.</summary>
    public StageResources For(string kind)
    {
        var own = kind switch
        {
            "base-model" => BaseModel, "train" => Train, "merge" => Merge, "export" => Export,
            "evaluate" => Evaluate, "report" => Report, _ => new StageResources(),
        };
        return new StageResources
        {
            Partition = own.Partition ?? Defaults.Partition,
            Account = own.Account ?? Defaults.Account,
            Gpus = own.Gpus ?? Defaults.Gpus,
            Cpus = own.Cpus ?? Defaults.Cpus,
            Mem = own.Mem ?? Defaults.Mem,
            Time = own.Time ?? Defaults.Time,
            Sbatch = [.. Defaults.Sbatch, .. own.Sbatch],
        };
    }
}

/// <summary>What one stage kind asks for.</summary>
public sealed class StageResources
{
    public const string MemPattern = "^[0-9]+[KMGT]?$";

    [Doc("Slurm partition (sbatch --partition).")]
    public string? Partition { get; set; }
    [Doc("Slurm account (sbatch --account).")]
    public string? Account { get; set; }
    [Doc("GPUs per job (sbatch --gpus)."), Min(0)]
    public int? Gpus { get; set; }
    [Doc("CPU cores per job (sbatch --cpus-per-task)."), Min(1)]
    public int? Cpus { get; set; }
    [Doc("Memory per job in Slurm's notation (sbatch --mem), e.g. 64G or 2048M; locally, stages run together only while their mem fits in the machine's available memory.")]
    [Pattern(MemPattern, "a number with an optional K, M, G or T suffix, e.g. 64G")]
    public string? Mem { get; set; }
    [Doc("Time limit (sbatch --time), e.g. 04:00:00 or 2-00:00:00.")]
    [Pattern("^([0-9]+-)?[0-9]+(:[0-9]{2}){0,2}$", "minutes, HH:MM:SS or D-HH:MM:SS")]
    public string? Time { get; set; }
    [Doc("Extra #SBATCH lines, each as written after '#SBATCH ', e.g. --constraint=a100 or --qos=high.")]
    public List<string> Sbatch { get; set; } = new();

    /// <summary><see cref="Mem"/> in bytes; null when unset.</summary>
    public long? MemBytes => Mem is null ? null : ParseMem(Mem);

    public static long ParseMem(string mem)
    {
        var unit = char.IsLetter(mem[^1]) ? mem[^1] : 'M'; // Slurm's default unit is megabytes
        var number = long.Parse(char.IsLetter(mem[^1]) ? mem[..^1] : mem, System.Globalization.CultureInfo.InvariantCulture);
        return number * unit switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, 'T' => 1L << 40, _ => 1L << 20 };
    }
}
