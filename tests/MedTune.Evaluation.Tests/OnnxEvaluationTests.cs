using System.Text.Json.Nodes;
using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Testing;

namespace MedTune.Evaluation.Tests;

/// <summary>The evaluate stage on a real exported ONNX model (a random tiny Llama): the wiring, not the answers.</summary>
public class OnnxEvaluationTests
{
    private const string ExamLines =
        """
        {"problem_id": "112A1", "problem_text": "急性虫垂炎で最も頻度の高い症状はどれか。", "choices": ["発熱", "下痢", "腹痛", "嘔吐", "血便"], "text_only": true, "answer": ["c"], "points": "1"}
        {"problem_id": "112A2", "problem_text": "可能性が高いのはどれか。2つ選べ。", "choices": ["酸素欠乏症", "硫化水素中毒", "一酸化炭素中毒", "二酸化炭素中毒", "二酸化窒素中毒"], "text_only": true, "answer": ["a", "b"], "points": "1"}
        {"problem_id": "112A3", "problem_text": "日本の死因第1位はどれか。", "choices": ["悪性新生物", "心疾患", "老衰", "脳血管疾患", "肺炎"], "text_only": true, "answer": ["a"], "points": "3"}

        """;

    [Fact]
    public async Task Evaluates_an_exported_onnx_model_deterministically()
    {
        using var temp = new TempDirectory();
        var modelDirectory = TinyOnnxModel.Export(temp.File("model"), seed: 5);
        File.WriteAllText(temp.File("mini.jsonl"), ExamLines);
        var manifest = new ExperimentManifest
        {
            Name = "onnx-test",
            Datasets = new DatasetsSection { Eval = [new DatasetSpec { Name = "mini", Path = temp.File("mini.jsonl"), ResolvedPath = temp.File("mini.jsonl"), Format = "exam" }] },
            Evaluate = new EvaluateSection
            {
                Metrics = ["accuracy", "exact_match", "gestalt", "loglik"], Device = "cpu", BatchSize = 2, BootstrapResamples = 50,
                Decoding = new DecodingSection { MaxNewTokens = 6 },
            },
        };

        async Task<string> Run(string name)
        {
            var output = Directory.CreateDirectory(temp.File(name)).FullName;
            var context = new StageContext
            {
                StageName = "evaluate-tuned", Key = "k", OutputDirectory = output, WorkDirectory = temp.File("work"),
                UpstreamOutputs = new Dictionary<string, string> { ["export-tuned"] = modelDirectory }, Seed = 42, Reporter = SilentStageReporter.Instance,
            };
            await new EvaluateStage(manifest, "export-tuned", "tuned").RunAsync(context, CancellationToken.None);
            return File.ReadAllText(Path.Combine(output, "predictions", "mini.jsonl"));
        }

        var first = await Run("first");
        var second = await Run("second");

        Assert.Equal(first, second); // greedy decoding is deterministic
        var lines = first.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Equal(3, lines.Length);
        foreach (var line in lines)
        {
            Assert.Contains((string?)line["finish_reason"], new[] { "eos", "stop", "length" });
            Assert.True((int)line["generated_tokens"]! <= 6);
            Assert.DoesNotContain("\n", (string?)line["raw_output"]); // newline is a stop string of the option-text template
            var metrics = line["metrics"]!.AsObject();
            Assert.All(new[] { "accuracy", "exact_match", "gestalt_score", "loglik_accuracy" }, m => Assert.True(metrics.ContainsKey(m), m));
            Assert.Matches("^[a-e](,[a-e])?$", (string?)line["loglik_picked"]);
        }
        Assert.Equal(2, ((string?)lines[1]["loglik_picked"])!.Split(',').Length); // two-answer question: top 2 options
    }
}
