using System.Reflection;
using MedTune.Manifest;
using Spectre.Console.Cli;

namespace MedTune.Tool.Cli;

/// <summary>
/// Makes every command strict: an option the command does not declare is bad input (exit 2) with a did-you-mean,
/// never silently ignored (a mistyped <c>--fail-undr</c> must not turn a CI gate off). Registered once in
/// <see cref="MedTuneApp"/>, so every command gets it; the options come from the settings class by reflection.
/// Spectre.Console.Cli's own strict mode rejects the option too but offers no suggestion, so it stays off and
/// the leftovers it collects in <see cref="CommandContext.Remaining"/> are checked here.
/// </summary>
public sealed class StrictOptionsInterceptor : ICommandInterceptor
{
    /// <summary>The settings of the command being run (null until parsing finished), for error reporting; one interceptor per invocation.</summary>
    public CommandSettings? Settings { get; private set; }

    public void Intercept(CommandContext context, CommandSettings settings)
    {
        Settings = settings;
        var known = KnownOptions(settings.GetType());
        foreach (var group in context.Remaining.Parsed)
        {
            var written = group.Key.StartsWith('-') ? group.Key : (group.Key.Length == 1 ? "-" : "--") + group.Key;
            var name = written.TrimStart('-');
            var suggestion = DidYouMean.Suggest(name, known.Where(o => o.Length > 1));
            var hint = suggestion is null ? "" : $" Did you mean '--{suggestion}'?";
            throw new CommandOptionException(
                $"'medtune {context.Name}' has no option '{written}'.{hint} Valid options: {string.Join(", ", known.Select(o => (o.Length == 1 ? "-" : "--") + o))} (see 'medtune {context.Name} --help').");
        }
        if (context.Remaining.Raw.Count > 0)
            throw new CommandOptionException(
                $"'medtune {context.Name}': unexpected argument(s) {string.Join(" ", context.Remaining.Raw.Select(a => $"'{a}'"))} (see 'medtune {context.Name} --help').");
    }

    /// <summary>Long and short option names (without dashes) the settings type declares, plus help.</summary>
    public static IReadOnlyList<string> KnownOptions(Type settingsType)
    {
        var names = new List<string>();
        foreach (var property in settingsType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (property.GetCustomAttribute<CommandOptionAttribute>() is { } option)
                names.AddRange(option.LongNames.Concat(option.ShortNames));
        names.Add("help");
        return names;
    }
}

/// <summary>Settings of a command with a <c>--json</c> flag: its errors are printed as JSON too, so standard output stays one JSON document.</summary>
public interface IJsonOutputSettings
{
    bool Json { get; }
}

/// <summary>An option or argument the command does not take (exit 2).</summary>
public sealed class CommandOptionException(string message) : Exception(message);
