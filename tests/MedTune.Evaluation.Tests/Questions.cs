using MedTune.Scoring;

namespace MedTune.Evaluation.Tests;

/// <summary>Small in-memory exam questions (shapes of IgakuQA records).</summary>
internal static class Questions
{
    public static ExamQuestion Make(string id, string text, string[] choices, params string[] answer) =>
        new(id, text, choices, answer, Points: 1, TextOnly: true, Year: 2018, Section: "112-A", Category: null, SourceFile: "test.jsonl", SourceLine: 1);

    public static readonly ExamQuestion Single = Make("112A1", "急性虫垂炎で最も頻度の高い症状はどれか。",
        ["発熱", "下痢", "腹痛", "嘔吐", "血便"], "c");

    public static readonly ExamQuestion Double = Make("112A2", "マンホール内で意識を失った。可能性が高いのはどれか。2つ選べ。",
        ["酸素欠乏症", "硫化水素中毒", "一酸化炭素中毒", "二酸化炭素中毒", "二酸化窒素中毒"], "a", "b");

    public static readonly ExamQuestion Third = Make("112A3", "日本の死因第1位はどれか。",
        ["悪性新生物", "心疾患", "老衰", "脳血管疾患", "肺炎"], "a");

    public static readonly FewShotExemplar Exemplar = new(
        Make("100E5", "ヒトゲノム・遺伝子解析研究の被験者に対する説明で必須でないのはどれか。",
            ["研究の目的", "同意の自由", "匿名化の方法", "参加による不利益", "研究成果還元の保証"], "e"),
        "研究内容によっては成果還元は保証されておらず、説明として必須ではない。");
}
