namespace MedTune.Manifest.Tests;

/// <summary>matrix: expansion into plain, validated variants; include/exclude; names; report.compare; errors at the axis value.</summary>
public sealed class MatrixTests : IDisposable
{
    private readonly ManifestFixture _fixture = new();

    private const string Body = """
        datasets:
          train:
            - path: data/train.jsonl
          eval:
            - path: data/exam.jsonl
        """;

    private ExperimentMatrix Load(string yaml) =>
        ManifestLoader.LoadMatrix(_fixture.Write("experiment.yaml", yaml), ManifestFixture.Options());

    [Fact]
    public void Axes_expand_to_their_product_with_stable_names_and_plain_manifests()
    {
        var matrix = Load($"""
            name: sweep
            matrix:
              lora.r: [8, 64]
              train.learning_rate: [1e-4, 3e-4]
            {Body}
            """);

        Assert.True(matrix.IsMatrix);
        Assert.Equal("sweep", matrix.Name);
        Assert.Equal(["sweep@r=8,learning_rate=1e-4", "sweep@r=8,learning_rate=3e-4", "sweep@r=64,learning_rate=1e-4", "sweep@r=64,learning_rate=3e-4"],
            matrix.Variants.Select(v => v.Name));
        var last = matrix.Variants[3].Manifest;
        Assert.Equal(("sweep@r=64,learning_rate=3e-4", 64, 3e-4), (last.Name, last.Lora.R, last.Train.LearningRate));
        Assert.Equal("sweep@r=64,learning_rate=3e-4", last.Report.Title); // an unset title names the variant
        Assert.Equal("r=64,learning_rate=3e-4", matrix.Find("r=64,learning_rate=3e-4").Label);
        Assert.Same(matrix.Variants[0], matrix.Find("sweep@r=8,learning_rate=1e-4"));
    }

    [Fact]
    public void Exclude_drops_points_and_include_adds_keys_or_points()
    {
        var matrix = Load($"""
            name: grid
            matrix:
              lora.r: [8, 16]
              evaluate.shots: [0, 1]
              exclude:
                - {"{"}lora.r: 16, evaluate.shots: 0{"}"}
              include:
                - evaluate.shots: 1
                  evaluate.fewshot_path: fewshot.jsonl
                - lora.r: 64
                  evaluate.shots: 0
            {Body}
            """);

        Assert.Equal(["r=8,shots=0", "r=8,shots=1", "r=16,shots=1", "r=64,shots=0"], matrix.Variants.Select(v => v.Label));
        Assert.All(matrix.Variants.Where(v => v.Manifest.Evaluate.Shots == 1), v => Assert.EndsWith("fewshot.jsonl", v.Manifest.Evaluate.ResolvedFewshotPath));
        Assert.Null(matrix.Variants[0].Manifest.Evaluate.FewshotPath);
    }

    [Fact]
    public void Paths_are_labelled_by_their_last_segment_and_shared_last_segments_by_the_full_path()
    {
        var matrix = Load($"""
            name: m
            matrix:
              model.base: [models/tiny, builtin:tiny-neox]
              datasets.eval: [[{"{"}path: data/exam.jsonl{"}"}]]
              train.batch_size: [2]
              evaluate.batch_size: [4]
            {Body}
            """);

        Assert.Equal(["base=tiny,eval=1,train.batch_size=2,evaluate.batch_size=4", "base=builtin_tiny-neox,eval=1,train.batch_size=2,evaluate.batch_size=4"],
            matrix.Variants.Select(v => v.Label));
    }

    [Fact]
    public void A_bad_value_is_reported_at_the_axis_value_once_with_the_variants_that_have_it()
    {
        var e = Assert.Throws<ManifestException>(() => Load($"""
            name: m
            matrix:
              lora.r: [8, 0]
              evaluate.shots: [0, 2]
              include:
                - evaluate.shots: 2
                  evaluate.fewshot_path: fewshot.jsonl
            {Body}
            """));

        var error = Assert.Single(e.Errors);
        Assert.Equal((3, 15, "lora.r"), (error.Line, error.Column, error.KeyPath));
        Assert.Contains("(variant r=0,shots=0; r=0,shots=2)", error.Message);
    }

    [Fact]
    public void Unknown_axis_paths_and_include_keys_get_a_suggestion()
    {
        var e = Assert.Throws<ManifestException>(() => Load($"""
            name: m
            matrix:
              lora.alpah: [8]
              train.epochs.x: [1]
              name: [a, b]
              exclude: [{"{"}lora.alpha: 8{"}"}]
            {Body}
            """));

        Assert.Collection(e.Errors,
            a => Assert.Equal((3, 3, "matrix.lora.alpah"), (a.Line, a.Column, a.KeyPath)),
            b => Assert.Contains("'train.epochs' is an integer, not a section", b.Message),
            c => Assert.Contains("the experiment name cannot vary", c.Message),
            d => Assert.Contains("exclude names 'lora.alpha', which is not an axis", d.Message));
        Assert.Contains("did you mean 'lora.alpha'?", e.Errors[0].Hint);
    }

    [Fact]
    public void Report_compare_names_variants_by_label_or_by_the_axes_that_tell_them_apart()
    {
        var matrix = Load($"""
            name: m
            matrix:
              lora.r: [8, 64]
            report:
              compare:
                - [r=8, r=64]
                - [m@r=64, r=8]
            {Body}
            """);
        Assert.Equal([new VariantPair("m@r=8", "m@r=64"), new VariantPair("m@r=64", "m@r=8")], matrix.Compare);

        var e = Assert.Throws<ManifestException>(() => Load($"""
            name: m
            matrix:
              lora.r: [8, 64]
            report:
              compare: [[r=8, r=16], [r=8]]
            {Body}
            """));
        Assert.Equal(2, e.Errors.Count);
        Assert.Contains("no variant 'r=16'", e.Errors[0].Message);
        Assert.Equal((5, 19), (e.Errors[0].Line, e.Errors[0].Column));
        Assert.Contains("expected a pair of variant names", e.Errors[1].Message);
    }

    [Fact]
    public void Report_compare_without_a_matrix_is_an_error_and_a_matrix_needs_a_variant_for_Load()
    {
        var e = Assert.Throws<ManifestException>(() => Load($"name: m\nreport:\n  compare: [[a, b]]\n{Body}\n"));
        Assert.Contains("this manifest has no matrix", Assert.Single(e.Errors).Message);

        var path = _fixture.Write("experiment.yaml", $"name: m\nmatrix:\n  lora.r: [8, 16]\n{Body}\n");
        var single = Assert.Throws<ManifestException>(() => ManifestLoader.Load(path, ManifestFixture.Options()));
        Assert.Contains("defines 2 variants (r=8, r=16)", single.Message);
    }

    [Fact]
    public void A_manifest_without_a_matrix_is_one_variant_named_as_the_experiment()
    {
        var matrix = Load($"name: plain\n{Body}\n");
        Assert.False(matrix.IsMatrix);
        var variant = Assert.Single(matrix.Variants);
        Assert.Equal(("plain", ""), (variant.Name, variant.Label));
        Assert.Equal("", variant.Manifest.Report.Title);
    }

    public void Dispose() => _fixture.Dispose();
}
