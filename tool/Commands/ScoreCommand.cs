using System.ComponentModel;
using MedTune.Manifest;
using MedTune.Scoring;
using MedTune.Scoring.Output;
using MedTune.Scoring.Predictions;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune score</c>: scores any model's answers to exam questions — letters (<c>"prediction": "a,c"</c>, the
/// IgakuQA release's scorer) or free text (<c>"response": …</c>: exact match, Gestalt score, accuracy).
/// </summary>
public sealed class ScoreCommand(IAnsiConsole console) : Command<ScoreCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--questions <PATH>")]
        [Description("Question file (.jsonl) or directory of NNN-X.jsonl files (IgakuQA layout).")]
        public string Questions { get; init; } = "";

        [CommandOption("--predictions <FILE>")]
        [Description("JSONL with {\"problem_id\", \"prediction\"} (letters) or {\"problem_id\", \"response\"} (free text).")]
        public string Predictions { get; init; } = "";

        [CommandOption("--per-item <FILE>")]
        [Description("Write one JSON line per question with each metric's value.")]
        public string? PerItem { get; init; }

        [CommandOption("--json <FILE>")]
        [Description("Write the summary (means, 95% CIs, breakdowns) as JSON.")]
        public string? Json { get; init; }

        [CommandOption("--text-only")]
        [Description("Keep only questions with text_only = true.")]
        public bool TextOnly { get; init; }

        [CommandOption("--choices <N>")]
        [Description("Keep only questions with exactly N options (the usual IgakuQA evaluation: 5).")]
        public int? Choices { get; init; }

        [CommandOption("--years <YEARS>")]
        [Description("Comma-separated exam years, e.g. 2018,2019.")]
        public string? Years { get; init; }

        [CommandOption("--sections <SECTIONS>")]
        [Description("Comma-separated sections, e.g. 112-A,116-F or A,B.")]
        public string? Sections { get; init; }

        [CommandOption("--response-marker <TEXT>")]
        [Description("Cut free-text responses after this marker (default: ### 応答：).")]
        public string[] ResponseMarkers { get; init; } = [];

        [CommandOption("--seed <N>")]
        [Description("Bootstrap seed.")]
        public int Seed { get; init; } = 42;

        [CommandOption("--strict-ids")]
        [Description("Fail (exit 2) when predictions and questions do not match one to one.")]
        public bool StrictIds { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Questions)) return ValidationResult.Error("--questions PATH is required.");
            if (string.IsNullOrWhiteSpace(Predictions)) return ValidationResult.Error("--predictions FILE is required.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var filters = new DatasetFilters
        {
            TextOnly = settings.TextOnly ? true : null,
            Choices = settings.Choices,
            Years = SplitList(settings.Years).Select(y => int.TryParse(y, out var v) ? v
                : throw new ArgumentException($"--years: '{y}' is not a year (e.g. --years 2018,2019).")).ToList(),
            Sections = SplitList(settings.Sections).ToList(),
        };
        var questions = ExamQuestionReader.Read(settings.Questions, filters);
        if (questions.Count == 0)
            throw new ExamDataException(settings.Questions, null,
                $"no questions left after the filters ({questions.FilterDescription}); check --years, --sections, --choices and --text-only against the data.");
        foreach (var warning in questions.Warnings) console.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
        var predictions = PredictionReader.Read(settings.Predictions);
        var result = ExamScorer.Score(questions, predictions, new ScoreOptions
        {
            Seed = settings.Seed,
            ResponseMarkers = settings.ResponseMarkers.Length > 0 ? settings.ResponseMarkers : ["### 応答："],
        });

        var mismatch = result.Mismatch.Describe();
        if (result.Mismatch.DescribeFilteredOut() is { Length: > 0 } filteredOut) console.WriteLine("note: " + filteredOut);
        if (!result.Mismatch.IsEmpty)
        {
            console.MarkupLine(settings.StrictIds ? "[red]predictions do not match the questions:[/]" : "[yellow]warning:[/] predictions do not match the questions:");
            console.WriteLine(mismatch);
            if (settings.StrictIds) return ExitCodes.InvalidInput;
        }

        console.WriteLine(ScoreTableRenderer.Render(result.Report));
        if (settings.PerItem is not null) PerItemWriter.Write(settings.PerItem, result.Items);
        if (settings.Json is not null) ScoreReportJson.Write(settings.Json, result.Report);
        return ExitCodes.Success;
    }

    private static IEnumerable<string> SplitList(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
