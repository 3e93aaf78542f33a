using MedTune.Evaluation.Contamination;
using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Scoring;
using MedTune.Testing;

namespace MedTune.Evaluation.Tests.Contamination;

public class ContaminationCheckTests
{
    private const string LongStem =
        "72歳の男性。3日前からの発熱と咳嗽とを主訴に来院した。体温38.6℃。脈拍96/分、整。血圧132/80mmHg。呼吸数22/分。右下肺野にcoarse cracklesを聴取する。最も考えられるのはどれか。";

    private static ExamQuestion Question(string id, string text) =>
        new(id, text, ["a1", "b1", "c1", "d1", "e1"], ["a"], 1, true, null, null, null, "q.jsonl", 1);

    [Fact]
    public void A_question_copied_into_the_training_data_is_an_exact_match_after_NFKC_and_whitespace_normalisation()
    {
        // Full-width digits and an ideographic space in the training copy: the same question after normalisation.
        var questions = new[] { Question("Q1", "ビタミンB1の欠乏で生じるのはどれか。"), Question("Q2", "日本の死因第1位はどれか。") };
        var training = new[] { "次の質問に答えてください。", "ビタミンＢ１の欠乏で　生じるのはどれか。", "脚気" };

        var result = ContaminationCheck.Measure("mini", questions, training);

        Assert.Equal(1, result.Contaminated);
        Assert.Equal(["Q1"], result.ExactIds);
        Assert.Empty(result.NgramOnlyIds);
        Assert.Equal("1 of 2 evaluation questions occur in the training data (1 exactly, 0 by a shared 50-character run)", result.Sentence);
    }

    [Fact]
    public void A_question_whose_stem_is_embedded_in_a_training_record_shares_a_long_ngram()
    {
        var questions = new[] { Question("CASE1", LongStem), Question("CASE2", LongStem.Replace("男性", "女性").Replace("右下肺野", "左上肺野")[..40] + "診断はどれか。") };
        // The training record holds the first 60 characters of CASE1's stem inside a longer text, not the question itself.
        var training = new[] { "以下の症例について説明してください。" + LongStem[..60] + "肺炎球菌性肺炎が考えられる。" };

        var result = ContaminationCheck.Measure("cases", questions, training);

        Assert.Equal(["CASE1"], result.NgramOnlyIds);
        Assert.Empty(result.ExactIds);
        Assert.Equal(1, result.Contaminated);
    }

    [Fact]
    public void Disjoint_sets_report_no_overlap_even_when_they_share_stock_exam_phrases()
    {
        var questions = new[] { Question("Q1", "インスリンを分泌する細胞について正しいのはどれか。"), Question("Q2", LongStem) };
        var training = new[] { "甲状腺ホルモンについて正しいのはどれか。", "心音と呼吸音とに異常を認めない。腹部は平坦、軟で、肝・脾を触知しない。", "洞結節" };

        var result = ContaminationCheck.Measure("mini", questions, training);

        Assert.Equal(0, result.Contaminated);
        Assert.Equal("0 of 2 evaluation questions occur in the training data", result.Sentence);
    }

    [Fact]
    public void A_run_shorter_than_n_is_not_an_ngram_match()
    {
        var questions = new[] { Question("Q1", LongStem) };
        var normalized = ContaminationCheck.Normalize(LongStem); // ℃ becomes °C and the space goes: slice what is compared
        var result = ContaminationCheck.Measure("mini", questions, ["前置き" + normalized[10..59] + "後書き"]);
        Assert.Equal(0, result.Contaminated);
        Assert.Equal(1, ContaminationCheck.Measure("mini", questions, ["前置き" + normalized[10..60] + "後書き"]).Contaminated);
    }

    [Fact]
    public async Task The_stage_writes_contamination_json_for_every_evaluation_set()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("exam.jsonl"),
            """
            {"problem_id": "E1", "problem_text": "インスリンを分泌する細胞はどれか。", "choices": ["a", "b", "c", "d", "e"], "text_only": true, "answer": ["c"], "points": "1"}
            {"problem_id": "E2", "problem_text": "左心房と左心室の間にある弁はどれか。", "choices": ["a", "b", "c", "d", "e"], "text_only": true, "answer": ["d"], "points": "1"}

            """);
        var manifest = new ExperimentManifest
        {
            Name = "overlap",
            Datasets = new DatasetsSection
            {
                Train = [new DatasetSpec { Name = "train", Path = "train.jsonl", Format = "alpaca" }],
                Eval = [new DatasetSpec { Name = "exam", Path = "exam.jsonl", ResolvedPath = temp.File("exam.jsonl"), Format = "exam" }],
            },
        };
        var output = Directory.CreateDirectory(temp.File("out")).FullName;
        var stage = new ContaminationStage(manifest, _ => ["インスリンを分泌する細胞はどれか。", "膵β細胞"]);
        var context = new StageContext
        {
            StageName = "contamination", Key = new string('0', 64), OutputDirectory = output, WorkDirectory = temp.File("work"),
            UpstreamOutputs = new Dictionary<string, string>(), Seed = 1, Reporter = SilentStageReporter.Instance,
        };

        await stage.RunAsync(context, CancellationToken.None);

        var report = ContaminationReport.TryRead(output)!;
        var exam = Assert.Single(report.Datasets);
        Assert.Equal(("exam", 2, 1), (exam.Dataset, exam.Questions, exam.Contaminated));
        Assert.True(report.Any);
        Assert.Contains("\"sentence\": \"1 of 2 evaluation questions occur in the training data", File.ReadAllText(Path.Combine(output, "contamination.json")));
        Assert.Equal(exam.Sentence, (string?)context.RecordFacts["exam"]);
    }
}
