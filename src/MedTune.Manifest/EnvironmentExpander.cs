using System.Text;
using System.Text.RegularExpressions;

namespace MedTune.Manifest;

/// <summary>
/// Expands environment variables in manifest string values (most usefully paths):
/// <c>${NAME}</c> is the variable's value and an error when it is unset;
/// <c>${NAME:-default}</c> is the value, or <c>default</c> when the variable is unset or empty;
/// <c>$$</c> is a literal <c>$</c>. Any other <c>$</c> is kept as written. Defaults are not expanded again.
/// </summary>
public static partial class EnvironmentExpander
{
    public sealed record Failure(string Message, string Hint);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();

    /// <summary>The expanded text, or a <see cref="Failure"/> saying which variable or syntax is wrong.</summary>
    public static (string? Value, Failure? Error) Expand(string text, Func<string, string?> lookup)
    {
        if (!text.Contains('$')) return (text, null);
        var sb = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '$' || i + 1 >= text.Length || (text[i + 1] != '{' && text[i + 1] != '$'))
            {
                sb.Append(c);
                i++;
                continue;
            }
            if (text[i + 1] == '$')
            {
                sb.Append('$');
                i += 2;
                continue;
            }
            var close = text.IndexOf('}', i + 2);
            if (close < 0)
                return (null, new Failure($"unterminated '${{' in '{text}'", "close it with '}', or write $${ for a literal ${"));
            var body = text[(i + 2)..close];
            var separator = body.IndexOf(":-", StringComparison.Ordinal);
            var name = separator < 0 ? body : body[..separator];
            if (!VariableName().IsMatch(name))
                return (null, new Failure($"'${{{body}}}' is not a valid variable reference",
                    "write ${NAME} or ${NAME:-default}; NAME is letters, digits and '_' and does not start with a digit"));
            var value = lookup(name);
            if (separator >= 0)
                sb.Append(string.IsNullOrEmpty(value) ? body[(separator + 2)..] : value);
            else if (value is null)
                return (null, new Failure($"environment variable {name} is not set",
                    $"set {name}, or give a default in the manifest: ${{{name}:-default}}"));
            else
                sb.Append(value);
            i = close + 1;
        }
        return (sb.ToString(), null);
    }
}
