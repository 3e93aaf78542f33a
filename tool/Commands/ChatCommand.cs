using MedTune.Tool.Console;
using MedTune.Tool.Generation;
using Spectre.Console;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune chat</c>: a terminal conversation with a model. Each line typed is one question, put into the template the
/// model was tuned with (single-turn, as Alpaca-style tuning trains it: earlier turns are not fed back); the answer streams
/// as its tokens are generated. <c>/exit</c> or end of input (Ctrl-D) ends the chat.
/// </summary>
public sealed class ChatCommand(IAnsiConsole console) : Spectre.Console.Cli.AsyncCommand<ModelSettings>
{
    public const string Prompt = "あなた> ";
    public const string AnswerPrefix = "モデル> ";

    public override async Task<int> ExecuteAsync(Spectre.Console.Cli.CommandContext context, ModelSettings settings, CancellationToken cancellationToken)
    {
        using var model = await ChatModel.OpenAsync(settings.ToModelOptions(), note => console.MarkupLineInterpolated($"[grey]{note}[/]"), cancellationToken);
        var options = settings.Decoding(model);
        console.MarkupLineInterpolated($"[grey]{model.Source} ({model.Runtime}), template {model.Template}, {(options.Temperature == 0 ? "greedy" : $"sampling T={options.Temperature} seed {options.Seed}")}. /exit or Ctrl-D ends.[/]");
        var input = System.Console.In;
        var turn = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            console.WriteRaw(Prompt);
            var line = await input.ReadLineAsync(cancellationToken);
            if (line is null || line.Trim() == "/exit") break;
            if (string.IsNullOrWhiteSpace(line)) continue;
            console.WriteRaw(AnswerPrefix);
            // Each turn samples from its own seed, so a conversation replays exactly with the same --seed.
            var turnOptions = options with { Seed = options.Seed + turn++ };
            var result = model.Generator.Generate([model.PromptFor(line)], turnOptions, (_, piece) => console.WriteRaw(piece), cancellationToken)[0];
            console.WriteRaw(result.FinishReason == "length" ? " …\n" : "\n");
        }
        console.WriteRaw("\n");
        return ExitCodes.Success;
    }
}
