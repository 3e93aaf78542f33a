using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedTune.Tool.Console;
using MedTune.Tool.Generation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune generate</c>: answers one prompt (<c>--prompt</c>) or a file of prompts (<c>--prompts</c>) with an
/// experiment's model, an exported model or a checkpoint plus adapter, in the template the model was tuned with.
/// Text mode streams each answer as it is generated; <c>--json</c> prints one JSON object at the end.
/// </summary>
public sealed class GenerateCommand(IAnsiConsole console) : AsyncCommand<GenerateCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--prompt <TEXT>")]
        [Description("A question or instruction; repeatable.")]
        public string[] Prompt { get; init; } = [];

        [CommandOption("--prompts <FILE>")]
        [Description("A file of prompts: one per line, or .jsonl records with \"prompt\" (or \"instruction\" and optional \"input\").")]
        public string? PromptsFile { get; init; }

        [CommandOption("--json")]
        [Description("Print the answers as one JSON object (model, template, decoding, results) and nothing else.")]
        public bool Json { get; init; }
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var questions = PromptFile.Collect(settings.Prompt, settings.PromptsFile);
        using var model = await ChatModel.OpenAsync(settings.ToModelOptions(), settings.Json ? _ => { } : note => System.Console.Error.WriteLine(note), cancellationToken);
        var options = settings.Decoding(model);
        var prompts = questions.Select(q => model.PromptFor(q.Text, q.Input)).ToArray();

        Action<int, string>? stream = null;
        if (!settings.Json)
        {
            var current = -1;
            stream = (index, piece) =>
            {
                if (index != current && questions.Count > 1) console.WriteRaw($"{(current >= 0 ? "\n\n" : "")}[{index + 1}] {questions[index].Text}\n");
                current = index;
                console.WriteRaw(piece);
            };
        }
        var results = model.Generator.Generate(prompts, options, stream, cancellationToken);

        if (settings.Json)
        {
            var json = new JsonObject
            {
                ["model"] = new JsonObject { ["source"] = model.Source, ["runtime"] = model.Runtime },
                ["template"] = model.Template,
                ["decoding"] = new JsonObject
                {
                    ["strategy"] = options.Temperature == 0 ? "greedy" : "sample",
                    ["max_new_tokens"] = options.MaxNewTokens,
                    ["temperature"] = options.Temperature,
                    ["top_p"] = options.TopP,
                    ["seed"] = options.Seed,
                    ["stop"] = new JsonArray(options.StopStrings.Select(s => (JsonNode?)s).ToArray()),
                },
                ["results"] = new JsonArray(results.Select((r, i) => (JsonNode?)new JsonObject
                {
                    ["id"] = questions[i].Id,
                    ["prompt"] = questions[i].Text,
                    ["input"] = questions[i].Input,
                    ["text"] = r.Text,
                    ["token_ids"] = new JsonArray(r.TokenIds.Select(t => (JsonNode?)t).ToArray()),
                    ["finish_reason"] = r.FinishReason,
                }).ToArray()),
            };
            console.WriteRaw(json.ToJsonString(JsonOptions) + "\n");
        }
        else console.WriteRaw("\n");
        return ExitCodes.Success;
    }
}
