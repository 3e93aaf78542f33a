using MedTune.Checkpoints;
using MedTune.Testing;
using static MedTune.Cli.Tests.TestExperiments;

namespace MedTune.Cli.Tests;

/// <summary>
/// Issue 14 item 5: <c>validate</c> (and the start of <c>run</c>) reads the datasets and the model's config and tensor
/// names, so what <c>run</c> would reject late is reported up front with exit 2, naming the file and line.
/// </summary>
public sealed class ValidateDataTests
{
    private const string EvalPath = "path: quickstart/exam.jsonl";

    [Fact]
    public async Task An_eval_directory_outside_the_IgakuQA_layout_is_reported_with_its_files()
    {
        // medtune validate quickstart.yaml   (datasets.eval[0].path: exams/ holding questions.jsonl)
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("exams"));
        File.Copy(QuickstartExam, dir.File("exams/questions.jsonl"));
        var manifest = Quickstart(dir.Path, (EvalPath, "path: exams"));
        var result = await CliRunner.RunAsync("validate", manifest);
        AssertBadInput(result, "datasets.eval[0]", "IgakuQA layout", "NNN-X.jsonl", "questions.jsonl");

        // The same file in the layout the docs describe (2018/112-A.jsonl) validates.
        Directory.CreateDirectory(dir.File("exams/2018"));
        File.Move(dir.File("exams/questions.jsonl"), dir.File("exams/2018/112-A.jsonl"));
        var ok = await CliRunner.RunAsync("validate", manifest);
        Assert.True(ok.ExitCode == 0, ok.Output);
    }

    [Fact]
    public async Task An_invalid_json_line_in_eval_data_names_file_and_line_in_words()
    {
        // medtune validate quickstart.yaml   (line 3 of the exam file is not JSON)
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        var exam = Path.Combine(dir.Path, "quickstart", "exam.jsonl");
        var lines = File.ReadAllLines(exam).ToList();
        lines[2] = lines[2][..^1] + ",}";
        File.WriteAllLines(exam, lines);

        var result = await CliRunner.RunAsync("validate", manifest);
        AssertBadInput(result, "datasets.eval[0]", "exam.jsonl:3: not valid JSON");

        // skip_invalid: true (documented for eval datasets) skips and reports the line instead.
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("      format: exam\n", "      format: exam\n      skip_invalid: true\n"));
        var skipping = await CliRunner.RunAsync("validate", manifest);
        Assert.True(skipping.ExitCode == 0, skipping.Output);
    }

    [Fact]
    public async Task Run_rejects_bad_data_before_any_stage()
    {
        // medtune run quickstart.yaml   (an exam line that is not JSON)
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        File.AppendAllText(Path.Combine(dir.Path, "quickstart", "exam.jsonl"), "{not json\n");
        var result = await CliRunner.RunAsync("run", manifest, "--cache", dir.File("cache"));
        AssertBadInput(result, "exam.jsonl:41: not valid JSON");
        Assert.False(Directory.Exists(dir.File("cache")), "no stage may run on bad data");
    }

    [Fact]
    public async Task Exam_records_declared_as_alpaca_get_the_format_hint()
    {
        // medtune validate quickstart.yaml   (datasets.train[0]: the exam file, format: alpaca)
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path, ("path: quickstart/instructions.jsonl", "path: quickstart/exam.jsonl"));
        var result = await CliRunner.RunAsync("validate", manifest);
        AssertBadInput(result, "datasets.train[0]", "exam.jsonl:1:", "exam question record", "format: exam");
    }

    [Fact]
    public async Task A_model_directory_with_only_a_pickle_checkpoint_is_refused()
    {
        // medtune validate quickstart.yaml   (model.base: a directory with config.json and pytorch_model.bin)
        using var dir = new TempDirectory();
        var model = WriteModel(dir.File("model"), tensors: false);
        File.WriteAllBytes(Path.Combine(model, "pytorch_model.bin"), [0x80, 0x02]);
        var result = await CliRunner.RunAsync("validate", Quickstart(dir.Path, ("base: builtin:tiny-llama", "base: model")));
        AssertBadInput(result, "model.base", "pytorch_model.bin", "safetensors");
    }

    [Fact]
    public async Task A_stub_config_json_is_refused()
    {
        // medtune validate quickstart.yaml   (config.json is {"model_type": "llama"})
        using var dir = new TempDirectory();
        var model = WriteModel(dir.File("model"), tensors: true);
        File.WriteAllText(Path.Combine(model, "config.json"), """{"model_type": "llama"}""");
        var result = await CliRunner.RunAsync("validate", Quickstart(dir.Path, ("base: builtin:tiny-llama", "base: model")));
        AssertBadInput(result, "model.base", "config.json");
    }

    [Fact]
    public async Task Target_modules_the_model_does_not_have_are_reported_with_the_ones_it_has()
    {
        // medtune validate quickstart.yaml   (target_modules: [nonexistent_proj], a model directory)
        using var dir = new TempDirectory();
        WriteModel(dir.File("model"), tensors: true);
        var manifest = Quickstart(dir.Path, ("base: builtin:tiny-llama", "base: model"), ("target_modules: [all-linear]", "target_modules: [q_porj, nonexistent_proj]"));
        var result = await CliRunner.RunAsync("validate", manifest);
        AssertBadInput(result, "lora.target_modules", "'q_porj' (did you mean 'q_proj'?)", "'nonexistent_proj'", "not found in the model", "v_proj");

        // The builtin models are checked against their HF layer names too.
        var builtin = Quickstart(dir.File("builtin"), ("target_modules: [all-linear]", "target_modules: [nonexistent_proj]"));
        AssertBadInput(await CliRunner.RunAsync("validate", builtin), "'nonexistent_proj'", "builtin:tiny-llama");
    }

    /// <summary>A Llama directory with a valid config.json and (optionally) a safetensors file holding a few layers' names.</summary>
    /// <summary>A one-layer Llama checkpoint directory (config.json, and zero weights unless <paramref name="tensors"/> is false); no tokenizer.</summary>
    internal static string WriteModel(string directory, bool tensors)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32, "hidden_size": 8,
             "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 2,
             "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "hidden_act": "silu", "tie_word_embeddings": false,
             "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
            """);
        if (tensors)
        {
            NamedTensorData Tensor(string name, params long[] shape) =>
                new(name, TensorDType.F32, shape, new byte[4 * shape.Aggregate(1L, (a, b) => a * b)]);
            SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"),
            [
                Tensor("model.embed_tokens.weight", 32, 8),
                Tensor("model.layers.0.self_attn.q_proj.weight", 8, 8),
                Tensor("model.layers.0.self_attn.v_proj.weight", 8, 8),
                Tensor("model.layers.0.input_layernorm.weight", 8),
                Tensor("lm_head.weight", 32, 8),
            ]);
        }
        return directory;
    }
}
