using System.Globalization;
using System.Text.RegularExpressions;

namespace MedTune.Tool.Cli;

/// <summary>Durations written on the command line: <c>24h</c>, <c>90m</c>, <c>7d</c>, <c>30s</c>, or <c>0</c>.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<unit>[smhd])$")]
    private static partial Regex Pattern();

    public static TimeSpan Parse(string text, string option)
    {
        if (text.Trim() == "0") return TimeSpan.Zero;
        var m = Pattern().Match(text.Trim());
        if (!m.Success)
            throw new CommandOptionException($"{option}: '{text}' is not a duration; write a number with s, m, h or d (e.g. 24h, 90m, 7d), or 0.");
        var n = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        return m.Groups["unit"].Value switch
        {
            "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        };
    }
}
