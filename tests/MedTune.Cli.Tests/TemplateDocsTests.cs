using System.Text;
using MedTune.Evaluation;
using MedTune.Testing;
using MedTune.Training;

namespace MedTune.Cli.Tests;

/// <summary>
/// docs/templates.md is generated from the code that builds real prompts (training templates and evaluation templates
/// rendered with placeholders), so the documented text cannot drift; regenerate with MEDTUNE_UPDATE_DOCS=1.
/// </summary>
public sealed class TemplateDocsTests
{
    [Fact]
    public void Docs_templates_show_the_text_the_code_builds()
    {
        var path = Path.Combine(SharedData.RepoRoot, "docs", "templates.md");
        var expected = Render();
        if (Environment.GetEnvironmentVariable("MEDTUNE_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path + ".tmp", expected);
            File.Move(path + ".tmp", path, overwrite: true);
        }
        Assert.True(File.Exists(path), $"{path} is missing: run MEDTUNE_UPDATE_DOCS=1 dotnet test tests/MedTune.Cli.Tests --filter TemplateDocsTests");
        Assert.True(expected == File.ReadAllText(path).Replace("\r\n", "\n"),
            "docs/templates.md is out of date with the prompt code: run MEDTUNE_UPDATE_DOCS=1 dotnet test tests/MedTune.Cli.Tests --filter TemplateDocsTests");
    }

    [Fact]
    public void Skeleton_is_what_a_real_prompt_looks_like_with_the_question_filled_in()
    {
        var question = new MedTune.Scoring.ExamQuestion("112A1", "正しいのはどれか。", ["甲", "乙", "丙", "丁", "戊"], ["b"], 1, true, 2018, "112-A", null, "", 1);
        foreach (var template in EvaluationTemplates.All)
        {
            var real = new EvaluationPromptBuilder(template, []).Build(question).Text;
            var filled = EvaluationPromptBuilder.Skeleton(template, 0).Replace("{question}", question.Text)
                .Replace("{option a}", "甲").Replace("{option b}", "乙").Replace("{option c}", "丙").Replace("{option d}", "丁").Replace("{option e}", "戊");
            Assert.Equal(real, filled);
        }
    }

    private static string Render()
    {
        var md = new StringBuilder();
        md.Append("# Prompt templates\n\n");
        md.Append("<!-- Generated from the code that builds prompts (PromptTemplates, EvaluationPromptBuilder). Do not edit by hand:\n");
        md.Append("     run `MEDTUNE_UPDATE_DOCS=1 dotnet test tests/MedTune.Cli.Tests --filter TemplateDocsTests`. -->\n\n");
        md.Append("Every prompt below is rendered by the same code that builds real prompts, with `{placeholders}` where the data goes. ");
        md.Append("Each report shows the template it used and its first three prompts exactly as the models saw them ");
        md.Append("(section \"Prompts and outputs\"), and each line of `predictions/<dataset>.jsonl` keeps its full `prompt`.\n\n");

        md.Append("## Training (`datasets.train[].template`)\n\n");
        md.Append("The prompt ends where the response begins; training appends the record's `output` and EOS, and with ");
        md.Append("`train_on: response` only those tokens carry the loss. Records without `input` use the second form. ");
        md.Append("Exam records (`format: exam`) become `instruction` = the question, `input` = the options one a line (`a: …`), ");
        md.Append("`output` = the gold option text.\n\n");
        foreach (var name in PromptTemplates.Names)
        {
            md.Append($"### `{name}`\n\nWith input:\n\n");
            Fence(md, PromptTemplates.Format(name, "{instruction}", "{input}"));
            md.Append("Without input:\n\n");
            Fence(md, PromptTemplates.Format(name, "{instruction}", null));
        }

        md.Append("## Evaluation (`evaluate.template`)\n\n");
        md.Append("The model continues the prompt; generation stops at the template's stop strings, and the answer R is read ");
        md.Append("from the continuation only (never the prompt). With `shots: k`, k exemplars from `evaluate.fewshot_path` come ");
        md.Append("first, each followed by its gold answer (here the exemplars' gold is option a).\n\n");
        foreach (var template in EvaluationTemplates.All)
        {
            var stops = new EvaluationPromptBuilder(template, []).StopStrings;
            md.Append($"### `{template}`\n\n{Description(template)} Stop strings: ");
            md.Append(string.Join(", ", stops.Select(s => "`" + s.Replace("\n", "\\n") + "`"))).Append(".\n\n0-shot:\n\n");
            Fence(md, EvaluationPromptBuilder.Skeleton(template, 0));
            md.Append("1-shot:\n\n");
            Fence(md, EvaluationPromptBuilder.Skeleton(template, 1));
        }
        return md.ToString();
    }

    private static string Description(string template) => template switch
    {
        EvaluationTemplates.AlpacaJaOptionText => "The seed paper's: the Japanese Alpaca prompt; the model answers with the option text (R = the first line of the continuation).",
        EvaluationTemplates.StepByStep => "Asks for reasoning, then a final line `答え: ` with the option text (R = the text after the last `答え:`).",
        EvaluationTemplates.IgakuQaLetters => "The IgakuQA release's format: options as `a: …`, the answer as letters like `a,c` after `答え:` (score with `metrics: [letter]`).",
        _ => "",
    };

    private static void Fence(StringBuilder md, string text) => md.Append("```text\n").Append(text.TrimEnd('\n')).Append("\n```\n\n");
}
