using System.Text.Json.Nodes;

namespace MedTune.Pipeline;

/// <summary>Describes differences between two canonical JSON trees as dotted paths: <c>config.train.learning_rate changed 0.0003 -> 0.001</c>.</summary>
public static class JsonDiff
{
    public static void Describe(string path, JsonNode? before, JsonNode? after, List<string> differences)
    {
        if (before is JsonObject oldObject && after is JsonObject newObject)
        {
            var names = oldObject.Select(p => p.Key).Union(newObject.Select(p => p.Key)).OrderBy(n => n, StringComparer.Ordinal);
            foreach (var name in names)
            {
                var childPath = path + "." + name;
                var had = oldObject.TryGetPropertyValue(name, out var oldChild);
                var has = newObject.TryGetPropertyValue(name, out var newChild);
                if (had && !has) differences.Add($"{childPath} removed (was {Text(oldChild)})");
                else if (!had && has) differences.Add($"{childPath} added ({Text(newChild)})");
                else Describe(childPath, oldChild, newChild, differences);
            }
            return;
        }
        if (before is JsonArray oldArray && after is JsonArray newArray)
        {
            for (var i = 0; i < Math.Max(oldArray.Count, newArray.Count); i++)
            {
                var childPath = $"{path}[{i}]";
                if (i >= newArray.Count) differences.Add($"{childPath} removed (was {Text(oldArray[i])})");
                else if (i >= oldArray.Count) differences.Add($"{childPath} added ({Text(newArray[i])})");
                else Describe(childPath, oldArray[i], newArray[i], differences);
            }
            return;
        }
        var oldText = Text(before);
        var newText = Text(after);
        if (oldText != newText) differences.Add($"{path} changed {oldText} -> {newText}");
    }

    private static string Text(JsonNode? node)
    {
        var text = CanonicalJson.Serialize(node);
        return text.Length <= 80 ? text : text[..77] + "...";
    }
}
