using MedTune.Testing;

namespace MedTune.Manifest.Tests;

/// <summary>Broken manifests: every problem is reported, with position, key path and a useful hint (snapshots of the messages).</summary>
public sealed class ManifestErrorTests : IDisposable
{
    private readonly ManifestFixture _fixture = new();

    private const string Data = """
        datasets:
          train:
            - path: data/train.jsonl
          eval:
            - path: data/exam.jsonl
        """;

    public static TheoryData<string, string> BrokenManifests => new()
    {
        { "unknown_key", $"""
            name: typo
            lora:
              rank: 8
              target_module: [q_proj]
            train:
              lerning_rate: 1e-3
            {Data}
            """ },
        { "wrong_types", $"""
            name: types
            seed: forty-two
            lora:
              r: eight
              use_rslora: yes
              target_modules: q_proj
            train:
              epochs: 2.5
              batch_size: "8"
              learning_rate: 1,5e-4
            {Data}
            """ },
        { "r_zero", $"name: r-zero\nlora:\n  r: 0\n{Data}" },
        { "alpha_not_positive", $"name: alpha\nlora:\n  alpha: -16\n{Data}" },
        { "dropout_one", $"name: dropout\nlora:\n  dropout: 1.0\n{Data}" },
        { "train_ranges", $"""
            name: ranges
            train:
              learning_rate: 0
              batch_size: 0
              gradient_accumulation_steps: 0
              max_seq_length: 4
              warmup_steps: -1
            evaluate:
              batch_size: 0
              decoding:
                max_new_tokens: 0
                top_p: 1.5
            {Data}
            """ },
        { "bad_enums", $"""
            name: enums
            model:
              dtype: fp16
            train:
              scheduler: cosin
              train_on: everything
            export:
              precision: int8
            evaluate:
              models: [base, finetuned]
              template: alpaca
              metrics: [accuracy, bleu, accuracy]
              decoding:
                strategy: beam
            report:
              formats: [md, pdf]
            {Data}
            """ },
        { "bad_name", $"name: my experiment!\n{Data}" },
        { "missing_name", Data },
        { "missing_dataset_files", """
            name: missing-files
            datasets:
              train:
                - path: data/not-there.jsonl
              eval:
                - path: data/empty-dir
                - name: igakuqa
                  path: exams/igakuqa
            """ },
        { "missing_model_dir", $"name: model\nmodel:\n  base: models/llama-7b\n{Data}" },
        { "model_dir_without_config", $"name: model\nmodel:\n  base: data\n{Data}" },
        { "unknown_builtin", $"name: model\nmodel:\n  base: builtin:tiny-lama\n{Data}" },
        { "unset_env_var", """
            name: env
            model:
              base: ${MEDTUNE_TEST_MODELS}/llama
            datasets:
              train:
                - path: ${MEDTUNE_TEST_DATA:-data}/train.jsonl
              eval:
                - path: ${MEDTUNE_TEST_EXAMS/exam.jsonl
            """ },
        { "shots_without_fewshot", $"name: shots\nevaluate:\n  shots: 2\n{Data}" },
        { "fewshot_too_short", $"name: shots\nevaluate:\n  shots: 5\n  fewshot_path: fewshot.jsonl\n{Data}" },
        { "missing_fewshot_file", $"name: shots\nevaluate:\n  shots: 1\n  fewshot_path: data/fewshot.jsonl\n{Data}" },
        { "cross_key_rules", """
            name: cross
            lora:
              target_modules: [all-linear, q_proj]
            train:
              max_steps: 10
              warmup_steps: 20
            datasets:
              train:
                - path: data/exam.jsonl
                  format: exam
              eval:
                - path: data/exam.jsonl
                  format: alpaca
                - path: data/exam.jsonl
            """ },
        { "no_training_data_for_tuned", "name: no-train\ndatasets:\n  eval:\n    - path: data/exam.jsonl\n" },
        { "quantization_block_size", $"name: qbs\nmodel:\n  quantization:\n    type: nf4\n    block_size: 48\n{Data}" },
        { "export_without_onnx", $"name: gguf-only\nexport:\n  formats: [gguf]\n{Data}" },
        { "duplicate_key", $"name: dup\nlora:\n  r: 8\n  r: 16\n{Data}" },
        { "wrong_structure", $"name: structure\nlora: 8\ntrain: [1, 2]\n{Data}\n  extra:\n    - not-a-mapping\n" },
        { "dataset_entry_not_a_mapping", "name: entries\ndatasets:\n  train: [data/train.jsonl]\n  eval:\n    - path: data/exam.jsonl\n" },
        { "null_values", $"name: nulls\nseed:\nlora:\n  r: ~\n  target_modules:\n{Data}" },
        { "merge_key", $"name: merge\nbase: &b {{r: 8}}\nlora:\n  <<: *b\n{Data}" },
        { "syntax_error", """
            name: syntax
            lora:
              r: 8
             alpha: 16
            """ },
        { "unclosed_quote", "name: \"quote\nlora:\n  r: 8\n" },
        { "tab_indentation", "name: tabs\nlora:\n\tr: 8\n" },
        { "unclosed_flow_list", "name: flow\nlora:\n  target_modules: [q_proj, v_proj\ntrain:\n  epochs: 3\n" },
        { "key_without_space", "name: x\nlora:\n  r:8\n" },
        { "multiple_documents", $"name: one\n{Data}\n---\nname: two\n" },
        { "alias_bomb", """
            name: lol
            a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
            d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
            e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
            f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
            g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
            h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
            i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
            """ },
        { "deep_nesting", "name: deep\nx: " + new string('[', 100) + new string(']', 100) + "\n" },
        { "undefined_alias", "name: *nothing\n" },
        { "custom_tag", "name: !secret abc\n" },
        { "empty", "# nothing but a comment\n" },
        { "not_a_mapping", "- name: list\n" },
    };

    [Theory]
    [MemberData(nameof(BrokenManifests))]
    public void Broken_manifest_reports_every_problem_with_position_and_hint(string name, string yaml)
    {
        Directory.CreateDirectory(Path.Combine(_fixture.Root, "data", "empty-dir"));
        var e = Assert.Throws<ManifestException>(() => _fixture.Load(yaml));

        Assert.NotEmpty(e.Errors);
        Assert.All(e.Errors, error => Assert.EndsWith("experiment.yaml", error.File));
        Snapshot.Match(_fixture.MessageLines(e), name);
    }

    [Fact]
    public void Errors_carry_line_column_and_key_path()
    {
        var e = Assert.Throws<ManifestException>(() => _fixture.Load($"name: x\nlora:\n  r: 0\n  alpha: 0\n{Data}"));

        Assert.Collection(e.Errors,
            r => Assert.Equal((3, 6, "lora.r"), (r.Line, r.Column, r.KeyPath)),
            alpha => Assert.Equal((4, 10, "lora.alpha"), (alpha.Line, alpha.Column, alpha.KeyPath)));
    }

    [Fact]
    public void Unknown_key_suggests_the_nearest_valid_key()
    {
        var e = Assert.Throws<ManifestException>(() => _fixture.Load($"name: x\ntrain:\n  lerning_rate: 0.001\n{Data}"));

        var error = Assert.Single(e.Errors);
        Assert.Equal("train.lerning_rate", error.KeyPath);
        Assert.StartsWith("did you mean 'learning_rate'?", error.Hint);
        Assert.Contains("max_grad_norm", error.Hint);
    }

    [Fact]
    public void Errors_name_the_file_as_the_user_gave_it()
    {
        var e = Assert.Throws<ManifestException>(() => ManifestLoader.Parse("name: bad name\n", "experiments/typo.yaml"));

        Assert.Equal("experiments/typo.yaml", e.File);
        Assert.Contains(e.Errors, error => error.ToString().StartsWith("experiments/typo.yaml:1:7: name: 'bad name' is not valid"));
    }

    [Fact]
    public void Missing_manifest_file_is_named()
    {
        var path = Path.Combine(_fixture.Root, "nope.yaml");
        var e = Assert.Throws<ManifestException>(() => ManifestLoader.Load(path));

        Assert.Contains(path, e.Message);
        Assert.Equal(0, Assert.Single(e.Errors).Line);
    }

    [Fact]
    public void File_over_one_mebibyte_is_rejected_before_parsing()
    {
        var path = _fixture.Write("big.yaml", "name: big\n# " + new string('x', 1024 * 1024) + "\n");
        var e = Assert.Throws<ManifestException>(() => ManifestLoader.Load(path));

        Assert.Contains("at most 1048576 bytes", e.Message);
    }

    [Fact]
    public void Invalid_utf8_is_rejected()
    {
        var path = Path.Combine(_fixture.Root, "latin1.yaml");
        File.WriteAllBytes(path, [.. "name: caf"u8, 0xE9, (byte)'\n']);
        var e = Assert.Throws<ManifestException>(() => ManifestLoader.Load(path));

        Assert.Contains("not valid UTF-8", e.Message);
    }

    [Fact]
    public void Aliases_within_budget_are_expanded()
    {
        var m = _fixture.Load("""
            name: aliases
            lora:
              target_modules: &modules [q_proj, v_proj, o_proj]
            datasets:
              train:
                - &train {path: data/train.jsonl}
              eval:
                - path: data/exam.jsonl
            """);

        Assert.Equal(["q_proj", "v_proj", "o_proj"], m.Lora.TargetModules);
    }

    public void Dispose() => _fixture.Dispose();
}
