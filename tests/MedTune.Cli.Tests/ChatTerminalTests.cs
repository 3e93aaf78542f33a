using System.Diagnostics;
using System.Text.Json.Nodes;
using MedTune.Testing;
using MedTune.Tool.Commands;

namespace MedTune.Cli.Tests;

/// <summary>
/// <c>medtune chat</c> in a real terminal: tmux (Debian package <c>tmux</c>, installed by CI) runs the built tool, a
/// question is typed, and the streamed answer is read off the screen. Fails when tmux is missing.
/// </summary>
[Trait("Category", "SystemTools")]
public sealed class ChatTerminalTests(TinyExperimentFixture fixture) : IClassFixture<TinyExperimentFixture>
{
    private const string Question = "肺炎の症状は？";

    [Fact]
    public async Task Chat_in_tmux_streams_the_answer_to_a_typed_question()
    {
        // The same answer through generate --json (which also materialises the builtin checkpoint in the cache).
        var generated = await CliRunner.RunAsync("generate", fixture.Manifest, "--cache", fixture.Cache, "--json", "--prompt", Question, "--max-new-tokens", "16");
        Assert.True(generated.ExitCode == 0, generated.Output);
        var expected = JsonNode.Parse(generated.Output)!["results"]![0]!["text"]!.GetValue<string>();

        var tool = Path.Combine(AppContext.BaseDirectory, "medtune.dll");
        var session = "medtune-chat-" + Guid.NewGuid().ToString("N")[..8];
        var command = $"dotnet '{tool}' chat '{fixture.Manifest}' --cache '{fixture.Cache}' --max-new-tokens 16";
        Tmux("new-session", "-d", "-s", session, "-x", "400", "-y", "50", command);
        try
        {
            var ready = await WaitFor(session, screen => screen.Contains(ChatCommand.Prompt.TrimEnd(), StringComparison.Ordinal), TimeSpan.FromSeconds(90));
            Assert.True(ready.Ok, "chat never showed its prompt:\n" + ready.Screen);
            Tmux("send-keys", "-t", session, "-l", Question);
            Tmux("send-keys", "-t", session, "Enter");
            // The answer is complete when the next prompt appears after it.
            var answered = await WaitFor(session, screen => AnswerOf(screen) is not null, TimeSpan.FromSeconds(60));
            Assert.True(answered.Ok, "no answer on screen:\n" + answered.Screen);
            var answer = AnswerOf(answered.Screen)!;
            Assert.Equal(Squeeze(expected), Squeeze(answer.Replace("…", "", StringComparison.Ordinal)));

            Tmux("send-keys", "-t", session, "-l", "/exit");
            Tmux("send-keys", "-t", session, "Enter");
        }
        finally
        {
            try { Tmux("kill-session", "-t", session); } catch (InvalidOperationException) { /* already ended by /exit */ }
        }
    }

    /// <summary>The text between the answer marker and the next prompt, or null while it is still streaming.</summary>
    private static string? AnswerOf(string screen)
    {
        var start = screen.IndexOf(ChatCommand.AnswerPrefix, StringComparison.Ordinal);
        if (start < 0) return null;
        start += ChatCommand.AnswerPrefix.Length;
        var end = screen.IndexOf(ChatCommand.Prompt.TrimEnd(), start, StringComparison.Ordinal);
        return end < 0 ? null : screen[start..end];
    }

    private static string Squeeze(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    private static async Task<(bool Ok, string Screen)> WaitFor(string session, Func<string, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var screen = "";
        while (clock.Elapsed < timeout)
        {
            screen = Tmux("capture-pane", "-p", "-J", "-t", session);
            if (condition(screen)) return (true, screen);
            await Task.Delay(100);
        }
        return (false, screen);
    }

    private static string Tmux(params string[] args)
    {
        var info = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["LANG"] = "C.UTF-8";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(" ", args)} failed: {error}");
        return output;
    }
}
