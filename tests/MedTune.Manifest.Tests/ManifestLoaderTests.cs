using MedTune.Testing;

namespace MedTune.Manifest.Tests;

public sealed class ManifestLoaderTests : IDisposable
{
    private readonly ManifestFixture _fixture = new();

    [Fact]
    public void Minimal_manifest_gets_every_default_and_resolved_paths()
    {
        var m = _fixture.Load("""
            name: minimal
            datasets:
              train: [{path: data/train.jsonl}]
              eval: [{path: data/igakuqa}]
            """);

        Assert.Equal("minimal", m.Name);
        Assert.Equal(42, m.Seed);
        Assert.Equal(8, m.Lora.R);
        Assert.Equal(3e-4, m.Train.LearningRate);
        Assert.True(m.Model.IsBuiltin);
        Assert.Null(m.Model.ResolvedBasePath);
        Assert.Equal(Path.Combine(_fixture.Root, "experiment.yaml"), m.ManifestPath);
        Assert.Equal(Path.Combine(_fixture.Root, "data", "train.jsonl"), m.Datasets.Train[0].ResolvedPath);
        Assert.Equal(Path.Combine(_fixture.Root, "data", "igakuqa"), m.Datasets.Eval[0].ResolvedPath);
        Assert.Equal("alpaca", m.Datasets.Train[0].Format);
        Assert.Equal("exam", m.Datasets.Eval[0].Format); // the eval default
        Assert.Equal("train", m.Datasets.Train[0].Name);  // file name without extension
        Assert.Equal("igakuqa", m.Datasets.Eval[0].Name);
    }

    [Fact]
    public void Every_key_is_bound()
    {
        var m = _fixture.Load("""
            name: everything.v2_x-1
            seed: 7
            model: {base: models/tiny, family: llama, dtype: bfloat16, device: cpu, requires: "1 GB"}
            lora: {r: 4, alpha: 8.5, dropout: 0, target_modules: [all-linear], use_rslora: true}
            datasets:
              train:
                - {name: t, path: data/train.jsonl, format: alpaca, template: alpaca_en, skip_invalid: true}
              eval:
                - name: e
                  path: data/exam.jsonl
                  filters: {text_only: false, choices: 5, years: [2018, 2022], sections: [112-A, B], limit: 10}
            train:
              epochs: 2
              max_steps: 30
              learning_rate: 2e-3
              scheduler: linear
              warmup_steps: 3
              batch_size: 2
              gradient_accumulation_steps: 4
              max_seq_length: 64
              weight_decay: 0.01
              max_grad_norm: 0
              train_on: all
              checkpoint_every: 0
              log_every: 5
            export: {opset: 17, precision: int4}
            evaluate:
              models: [tuned]
              template: igakuqa_letters
              shots: 3
              fewshot_path: fewshot.jsonl
              shuffle_options: true
              decoding: {strategy: sample, temperature: 0.7, top_p: 0.9, max_new_tokens: 5}
              batch_size: 1
              metrics: [letter, loglik]
              device: cuda
              bootstrap_resamples: 0
            report: {title: "Everything", formats: [json]}
            """);

        Assert.Equal(Path.Combine(_fixture.Root, "models", "tiny"), m.Model.ResolvedBasePath);
        Assert.Equal(("llama", "bfloat16", "cpu", "1 GB"), (m.Model.Family, m.Model.Dtype, m.Model.Device, m.Model.Requires));
        Assert.Equal((4, 8.5, 0.0, true), (m.Lora.R, m.Lora.Alpha, m.Lora.Dropout, m.Lora.UseRslora));
        Assert.Equal(["all-linear"], m.Lora.TargetModules);
        Assert.Equal(("t", "alpaca_en", true), (m.Datasets.Train[0].Name, m.Datasets.Train[0].Template, m.Datasets.Train[0].SkipInvalid));
        var filters = m.Datasets.Eval[0].Filters;
        Assert.Equal((false, 5, 10), (filters.TextOnly, filters.Choices, filters.Limit));
        Assert.Equal([2018, 2022], filters.Years);
        Assert.Equal(["112-A", "B"], filters.Sections);
        Assert.Equal((2, 30, 2e-3, "linear", 3), (m.Train.Epochs, m.Train.MaxSteps, m.Train.LearningRate, m.Train.Scheduler, m.Train.WarmupSteps));
        Assert.Equal((2, 4, 64, 0.01, 0.0), (m.Train.BatchSize, m.Train.GradientAccumulationSteps, m.Train.MaxSeqLength, m.Train.WeightDecay, m.Train.MaxGradNorm));
        Assert.Equal(("all", 0, 5), (m.Train.TrainOn, m.Train.CheckpointEvery, m.Train.LogEvery));
        Assert.Equal((17, "int4"), (m.Export.Opset, m.Export.Precision));
        Assert.Equal(["tuned"], m.Evaluate.Models);
        Assert.Equal(("igakuqa_letters", 3, true, 1, "cuda", 0), (m.Evaluate.Template, m.Evaluate.Shots, m.Evaluate.ShuffleOptions, m.Evaluate.BatchSize, m.Evaluate.Device, m.Evaluate.BootstrapResamples));
        Assert.Equal(Path.Combine(_fixture.Root, "fewshot.jsonl"), m.Evaluate.ResolvedFewshotPath);
        Assert.Equal(("sample", 0.7, 0.9, 5), (m.Evaluate.Decoding.Strategy, m.Evaluate.Decoding.Temperature, m.Evaluate.Decoding.TopP, m.Evaluate.Decoding.MaxNewTokens));
        Assert.Equal(["letter", "loglik"], m.Evaluate.Metrics);
        Assert.Equal("Everything", m.Report.Title);
        Assert.Equal(["json"], m.Report.Formats);
    }

    [Fact]
    public void Environment_variables_expand_in_paths_with_defaults()
    {
        var env = new Dictionary<string, string> { ["MY_MODELS"] = Path.Combine(_fixture.Root, "models"), ["EMPTY"] = "" };
        var m = _fixture.Load("""
            name: env
            model: {base: "${MY_MODELS}/tiny"}
            datasets:
              train: [{path: "${UNSET:-data}/train.jsonl"}]
              eval: [{path: "${EMPTY:-data}/exam.jsonl"}]
            report: {title: "$HOME stays, $$5 is $$ once"}
            """, env);

        Assert.Equal(Path.Combine(_fixture.Root, "models", "tiny"), m.Model.ResolvedBasePath);
        Assert.Equal(Path.Combine(_fixture.Root, "data", "train.jsonl"), m.Datasets.Train[0].ResolvedPath);
        Assert.Equal(Path.Combine(_fixture.Root, "data", "exam.jsonl"), m.Datasets.Eval[0].ResolvedPath);
        Assert.Equal("$HOME stays, $5 is $ once", m.Report.Title);
        // The path values themselves stay as written (stage keys hash them): no machine's absolute path in a key.
        Assert.Equal("${MY_MODELS}/tiny", m.Model.Base);
        Assert.Equal("${UNSET:-data}/train.jsonl", m.Datasets.Train[0].Path);
        Assert.Equal("${EMPTY:-data}/exam.jsonl", ManifestJson.Section(m.Datasets.Eval[0])["path"]!.GetValue<string>());
    }

    [Fact]
    public void Without_file_checks_missing_files_are_only_resolved()
    {
        var m = _fixture.Load("""
            name: no-check
            model: {base: ../elsewhere/llama}
            datasets:
              train: [{path: nothing.jsonl}]
              eval: [{path: nothing}]
            evaluate: {shots: 1, fewshot_path: none.jsonl}
            """, checkFiles: false);

        Assert.Equal(Path.GetFullPath(Path.Combine(_fixture.Root, "..", "elsewhere", "llama")), m.Model.ResolvedBasePath);
        Assert.Equal(Path.Combine(_fixture.Root, "none.jsonl"), m.Evaluate.ResolvedFewshotPath);
    }

    [Fact]
    public void Parse_resolves_relative_to_the_given_source_path()
    {
        var m = ManifestLoader.Parse("name: p\ndatasets:\n  train: [{path: data/train.jsonl}]\n  eval: [{path: data/exam.jsonl}]\n",
            Path.Combine(_fixture.Root, "virtual.yaml"));

        Assert.Equal(Path.Combine(_fixture.Root, "data", "exam.jsonl"), m.Datasets.Eval[0].ResolvedPath);
    }

    public static TheoryData<string> RepositoryManifests()
    {
        var data = new TheoryData<string>();
        var root = Path.Combine(SharedData.RepoRoot, "experiments");
        foreach (var file in Directory.EnumerateFiles(root, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(SharedData.RepoRoot, file));
        return data;
    }

    /// <summary>
    /// Every manifest in experiments/ loads with files checked, given MEDTUNE_* variables that point at a
    /// stand-in layout (the paper manifests name local 7B/70B checkpoints that a test machine does not have).
    /// </summary>
    [Theory]
    [MemberData(nameof(RepositoryManifests))]
    public void Repository_manifest_loads(string relativePath)
    {
        var models = Path.Combine(_fixture.Root, "models");
        foreach (var name in new[] { "open-calm-7b", "Llama-2-70b-hf" }) _fixture.Write($"models/{name}/config.json", "{}");
        _fixture.Write("shared/igakuqa/2018/112-A.jsonl", "{}\n");
        _fixture.Write("shared/igakuqa/fewshot-prompt.jsonl", "{}\n{}\n{}\n");
        _fixture.Write("shared/jjsimqa/jjsimqa.jsonl", "{}\n");
        var env = new Dictionary<string, string>
        {
            ["MEDTUNE_MODELS"] = models,
            ["MEDTUNE_INSTRUCTIONS"] = _fixture.Write("instructions.jsonl", "{}\n"),
            ["MEDTUNE_SHARED_DATA"] = Path.Combine(_fixture.Root, "shared"),
        };
        var path = Path.Combine(SharedData.RepoRoot, relativePath);

        var matrix = ManifestLoader.LoadMatrix(path, ManifestFixture.Options(env));

        Assert.All(matrix.Variants, v =>
        {
            Assert.False(string.IsNullOrEmpty(v.Manifest.Name));
            Assert.NotEmpty(v.Manifest.Datasets.Eval);
            Assert.All(v.Manifest.Datasets.Eval.Concat(v.Manifest.Datasets.Train), d => Assert.True(Path.IsPathFullyQualified(d.ResolvedPath!)));
        });
    }

    [Theory]
    [MemberData(nameof(RepositoryManifests))]
    public void Repository_manifest_loads_with_default_variables_when_files_are_not_checked(string relativePath)
    {
        var matrix = ManifestLoader.LoadMatrix(Path.Combine(SharedData.RepoRoot, relativePath), ManifestFixture.Options(checkFiles: false));

        Assert.All(matrix.Variants, v => Assert.False(string.IsNullOrEmpty(v.Manifest.Name)));
    }

    [Fact]
    public void Paper_manifest_defaults_point_beside_the_repository()
    {
        var path = Path.Combine(SharedData.RepoRoot, "experiments", "paper", "jmedlora.yaml");
        var m = ManifestLoader.LoadMatrix(path, ManifestFixture.Options(checkFiles: false)).Find("base=open-calm-7b,shots=0").Manifest;

        Assert.Equal(Path.GetFullPath(Path.Combine(SharedData.RepoRoot, "models", "open-calm-7b")), m.Model.ResolvedBasePath);
        Assert.Equal(Path.GetFullPath(Path.Combine(SharedData.RepoRoot, "..", "shared", "data", "igakuqa")), m.Datasets.Eval[0].ResolvedPath);
        Assert.Equal((64, 16.0, 0.0), (m.Lora.R, m.Lora.Alpha, m.Lora.Dropout));
    }

    [Fact]
    public void Paper_grid_is_two_models_by_zero_and_one_shot_with_the_70B_in_QLoRA()
    {
        var path = Path.Combine(SharedData.RepoRoot, "experiments", "paper", "jmedlora.yaml");
        var matrix = ManifestLoader.LoadMatrix(path, ManifestFixture.Options(checkFiles: false));

        Assert.Equal(["base=open-calm-7b,shots=0", "base=open-calm-7b,shots=1", "base=Llama-2-70b-hf,shots=0", "base=Llama-2-70b-hf,shots=1"],
            matrix.Variants.Select(v => v.Label));
        Assert.All(matrix.Variants, v => Assert.Equal(["base", "tuned"], v.Manifest.Evaluate.Models));
        Assert.All(matrix.Variants, v => Assert.Equal(["igakuqa", "jjsimqa"], v.Manifest.Datasets.Eval.Select(d => d.Name)));
        var llama = matrix.Find("base=Llama-2-70b-hf,shots=1").Manifest;
        Assert.Equal(("nf4", true, "bfloat16"), (llama.Model.Quantization.Type, llama.Model.Quantization.DoubleQuant, llama.Model.Quantization.ComputeDtype));
        Assert.NotNull(llama.Evaluate.FewshotPath);
        Assert.Equal("none", matrix.Find("base=open-calm-7b,shots=0").Manifest.Model.Quantization.Type);
        Assert.Equal(3, matrix.Compare.Count);
    }

    [Fact]
    public void Quickstart_manifest_has_the_documented_settings()
    {
        var m = ManifestLoader.Load(Path.Combine(SharedData.RepoRoot, "experiments", "quickstart.yaml"));

        Assert.Equal("quickstart", m.Name);
        Assert.Equal("builtin:tiny-llama", m.Model.Base);
        Assert.Equal((16, 32.0, 0.05), (m.Lora.R, m.Lora.Alpha, m.Lora.Dropout));
        Assert.Equal(["all-linear"], m.Lora.TargetModules);
        Assert.Equal((2e-3, 8, 192), (m.Train.LearningRate, m.Train.BatchSize, m.Train.MaxSeqLength));
        Assert.Equal(["base", "tuned"], m.Evaluate.Models);
        Assert.Equal(("alpaca_ja_option_text", 0, "greedy", 24), (m.Evaluate.Template, m.Evaluate.Shots, m.Evaluate.Decoding.Strategy, m.Evaluate.Decoding.MaxNewTokens));
        Assert.Equal(["accuracy", "exact_match", "gestalt"], m.Evaluate.Metrics);
        Assert.True(File.Exists(m.Datasets.Train[0].ResolvedPath));
        Assert.True(File.Exists(m.Datasets.Eval[0].ResolvedPath));
    }

    public void Dispose() => _fixture.Dispose();
}
