using System.Reflection;
using System.Text.RegularExpressions;
using Spectre.Console.Cli;

namespace MedTune.Tool.Cli;

/// <summary>
/// The text printed for an error: what the user wrote and how to fix it, never .NET internals
/// (<c>Nullable`1</c>, <c>(Parameter 'questions')</c>); <c>MEDTUNE_DEBUG=1</c> adds the stack trace.
/// </summary>
public static partial class UserMessages
{
    [GeneratedRegex(@"^Failed to convert '(?<value>.*)' to (?<type>[^.]+)\.?$")]
    private static partial Regex ConversionFailure();

    public static string For(Exception e, IReadOnlyList<string> args)
    {
        if (e is CommandRuntimeException or CommandParseException && ConversionFailure().Match(e.Message) is { Success: true } m)
            return BadValue(m.Groups["value"].Value, args);
        if (e is ArgumentException { ParamName: not null } argument)
            return argument.Message.Replace($" (Parameter '{argument.ParamName}')", "", StringComparison.Ordinal);
        return e.Message;
    }

    /// <summary>"--choices: 'five' is not a whole number", finding the option that was given the value.</summary>
    private static string BadValue(string value, IReadOnlyList<string> args)
    {
        string? option = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i].StartsWith('-') && args[i].EndsWith("=" + value, StringComparison.Ordinal)) option = args[i][..args[i].IndexOf('=')];
            else if (args[i] == value && i > 0 && args[i - 1].StartsWith('-')) option = args[i - 1];
        }
        var expected = option is null ? null : ExpectedFor(option.TrimStart('-'));
        var command = args.Count > 0 ? args[0] : "";
        return $"{option ?? "option"}: '{value}' is not {expected ?? "a valid value"} (see 'medtune {command} --help').";
    }

    /// <summary>What an option's type accepts, from the settings classes of this tool (any command that declares the name).</summary>
    private static string? ExpectedFor(string name)
    {
        var property = typeof(UserMessages).Assembly.GetTypes()
            .Where(t => typeof(CommandSettings).IsAssignableFrom(t))
            .SelectMany(t => t.GetProperties())
            .FirstOrDefault(p => p.GetCustomAttribute<CommandOptionAttribute>() is { } o && (o.LongNames.Contains(name) || o.ShortNames.Contains(name)));
        if (property is null) return null;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (type.IsArray) type = type.GetElementType()!;
        return type == typeof(int) || type == typeof(long) ? "a whole number (e.g. 5)"
            : type == typeof(double) || type == typeof(float) ? "a number (e.g. 0.5)"
            : type == typeof(bool) ? "true or false"
            : type.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))
            : null;
    }
}
