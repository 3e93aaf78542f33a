using System.Text.Json;
using System.Text.Json.Nodes;
using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Scoring.Output;
using MedTune.Testing;

namespace MedTune.Evaluation.Tests;

public class EvaluateStageTests
{
    private const string ExamLines =
        """
        {"problem_id": "112A1", "problem_text": "急性虫垂炎で最も頻度の高い症状はどれか。", "choices": ["発熱", "下痢", "腹痛", "嘔吐", "血便"], "text_only": true, "answer": ["c"], "points": "1"}
        {"problem_id": "112A2", "problem_text": "画像を見て答えよ。", "choices": ["a1", "b1", "c1", "d1", "e1"], "text_only": false, "answer": ["a"], "points": "1"}
        {"problem_id": "112A3", "problem_text": "日本の死因第1位はどれか。", "choices": ["悪性新生物", "心疾患", "老衰", "脳血管疾患", "肺炎"], "text_only": true, "answer": ["a"], "points": "3"}

        """;

    private static ExperimentManifest Manifest(string datasetPath) => new()
    {
        Name = "test",
        Seed = 11,
        Datasets = new DatasetsSection
        {
            Eval = [new DatasetSpec { Name = "mini", Path = datasetPath, ResolvedPath = datasetPath, Format = "exam", Filters = new DatasetFilters { TextOnly = true } }],
        },
        Evaluate = new EvaluateSection { Metrics = ["accuracy", "exact_match", "gestalt", "loglik"], BootstrapResamples = 100, Decoding = new DecodingSection { MaxNewTokens = 8 } },
    };

    [Fact]
    public async Task Writes_predictions_scores_and_summary_for_each_eval_dataset()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("mini.jsonl"), ExamLines);
        var modelDir = Directory.CreateDirectory(temp.File("model")).FullName;
        var output = Directory.CreateDirectory(temp.File("out")).FullName;
        FakeTextGenerator? generator = null;
        string? openedWith = null;
        var stage = new EvaluateStage(Manifest(temp.File("mini.jsonl")), "export-base", "base", (dir, device) =>
        {
            openedWith = $"{dir}|{device}";
            return generator = new FakeTextGenerator(p => p.Contains("虫垂炎") ? "腹痛" : "心疾患", (_, option) => option is "悪性新生物" or "腹痛" ? -1 : -9);
        });
        var context = new StageContext
        {
            StageName = "evaluate-base", Key = "k", OutputDirectory = output, WorkDirectory = temp.File("work"),
            UpstreamOutputs = new Dictionary<string, string> { ["export-base"] = modelDir }, Seed = 11, Reporter = SilentStageReporter.Instance,
        };

        await stage.RunAsync(context, CancellationToken.None);

        Assert.Equal($"{modelDir}|auto", openedWith);
        Assert.True(generator!.Disposed);
        var lines = File.ReadAllLines(Path.Combine(output, "predictions", "mini.jsonl"));
        Assert.Equal(2, lines.Length); // the text_only: false question is filtered out
        var first = JsonNode.Parse(lines[0])!;
        Assert.Equal("112A1", (string?)first["problem_id"]);
        Assert.Equal(1.0, (double)first["metrics"]!["exact_match"]!);
        Assert.Equal(64, ((string?)first["prompt_sha256"])!.Length);
        var prompt = (string?)first["prompt"];
        Assert.Equal((string?)first["prompt_sha256"], ExamEvaluator.Sha256Hex(prompt!));
        Assert.DoesNotContain(Path.GetTempPath().TrimEnd('/'), prompt); // nothing machine-specific in the hashed output

        var scores = ScoreReportJson.Deserialize(File.ReadAllText(Path.Combine(output, "scores", "mini.json")));
        Assert.Equal(0.5, scores.Summary["exact_match"].Mean);
        Assert.Equal(1.0, scores.Summary["loglik_accuracy"].Mean);
        Assert.Contains("2 of 3", scores.Filter);
        Assert.Equal("alpaca_ja_option_text", scores.Settings["template"]);

        var summary = JsonSerializer.Deserialize<EvaluationSummary>(File.ReadAllText(Path.Combine(output, EvaluationSummary.FileName)))!;
        Assert.Equal("base", summary.ModelLabel);
        Assert.Equal("mini", summary.Datasets.Single().Name);
        Assert.Equal(2, summary.Datasets.Single().Questions);
        Assert.Equal("greedy, max_new_tokens=8", summary.Decoding);
        Assert.Equal("alpaca_ja_option_text", (string?)context.RecordFacts["template"]);
    }

    [Fact]
    public void Config_holds_seed_evaluate_section_and_eval_datasets_but_not_machine_paths()
    {
        var config = EvaluateStage.ConfigFor(Manifest("/somewhere/mini.jsonl")).AsObject();
        Assert.Equal(11, (int)config["seed"]!);
        Assert.Equal("alpaca_ja_option_text", (string?)config["evaluate"]!["template"]);
        Assert.Null(config["evaluate"]!["models"]);
        Assert.Equal("mini", (string?)config["datasets_eval"]![0]!["name"]);
        Assert.True((bool)config["datasets_eval"]![0]!["filters"]!["text_only"]!);
        Assert.DoesNotContain("resolved", config.ToJsonString());
    }

    [Fact]
    public void Unknown_metric_is_rejected_naming_the_manifest_key()
    {
        var manifest = Manifest("x.jsonl");
        manifest.Evaluate.Metrics = ["bleu"];
        var error = Assert.Throws<ArgumentException>(() => EvaluationSettings.FromManifest(manifest));
        Assert.Contains("evaluate.metrics", error.Message);
    }

    [Fact]
    public void Shots_without_fewshot_path_is_rejected()
    {
        var manifest = Manifest("x.jsonl");
        manifest.Evaluate.Shots = 1;
        var error = Assert.Throws<ArgumentException>(() => EvaluationSettings.FromManifest(manifest));
        Assert.Contains("evaluate.fewshot_path", error.Message);
    }
}
