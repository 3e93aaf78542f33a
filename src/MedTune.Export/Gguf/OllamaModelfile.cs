using System.Globalization;
using System.Text;
using MedTune.Checkpoints;

namespace MedTune.Export.Gguf;

/// <summary>
/// An Ollama <c>Modelfile</c> beside the GGUF files: <c>ollama create NAME -f Modelfile</c> registers the model with the
/// prompt template it was tuned with, its stop strings and greedy decoding (what medtune's evaluation uses).
/// </summary>
public static class OllamaModelfile
{
    public static string Build(string ggufFileName, string name, string promptTemplate, IReadOnlyList<string> stopStrings, ModelConfig config)
    {
        if (promptTemplate.Contains("\"\"\"", StringComparison.Ordinal))
            throw new ArgumentException("the prompt template contains \"\"\", which cannot be quoted in a Modelfile TEMPLATE.");
        var text = new StringBuilder();
        text.Append("# Ollama Modelfile written by medtune for ").Append(name).Append('\n');
        text.Append("#   ollama create ").Append(name).Append(" -f Modelfile\n");
        text.Append("FROM ./").Append(ggufFileName).Append('\n');
        text.Append("TEMPLATE \"\"\"").Append(promptTemplate).Append("\"\"\"\n");
        foreach (var stop in stopStrings) text.Append("PARAMETER stop ").Append(Quote(stop)).Append('\n');
        text.Append("PARAMETER temperature 0\n");
        text.Append("PARAMETER num_ctx ").Append(config.MaxPositionEmbeddings.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString();
    }

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
