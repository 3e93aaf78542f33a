namespace MedTune.Manifest.Tests;

public sealed class EnvironmentExpanderTests
{
    private static readonly Dictionary<string, string> Env = new() { ["HOME_DIR"] = "/home/u", ["EMPTY"] = "" };

    private static string? Lookup(string name) => Env.TryGetValue(name, out var v) ? v : null;

    [Theory]
    [InlineData("plain/path", "plain/path")]
    [InlineData("${HOME_DIR}/models", "/home/u/models")]
    [InlineData("${HOME_DIR:-/opt}/x", "/home/u/x")]
    [InlineData("${UNSET:-../models}/x", "../models/x")]
    [InlineData("${EMPTY:-fallback}", "fallback")]
    [InlineData("${EMPTY}", "")]
    [InlineData("${UNSET:-}", "")]
    [InlineData("a$$b $$${HOME_DIR}", "a$b $/home/u")]
    [InlineData("$HOME_DIR and $ alone", "$HOME_DIR and $ alone")]
    [InlineData("${UNSET:-a:-b}", "a:-b")]
    public void Expands(string text, string expected)
    {
        var (value, error) = EnvironmentExpander.Expand(text, Lookup);

        Assert.Null(error);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("${UNSET}/x", "environment variable UNSET is not set")]
    [InlineData("${HOME_DIR", "unterminated '${' in '${HOME_DIR'")]
    [InlineData("${1BAD}", "'${1BAD}' is not a valid variable reference")]
    [InlineData("${}", "'${}' is not a valid variable reference")]
    public void Rejects(string text, string message)
    {
        var (value, error) = EnvironmentExpander.Expand(text, Lookup);

        Assert.Null(value);
        Assert.Equal(message, error!.Message);
    }
}
