namespace MedTune.Manifest;

/// <summary>
/// Expands ${VAR} in every path and resolves it against the manifest's directory into the Resolved* properties
/// (the path properties themselves keep the text as written) and, when asked, checks that the files exist.
/// An error names the key, the absolute path looked for and the text as written (which shows the ${VAR} a
/// user may need to set).
/// </summary>
internal sealed class PathRules(ManifestDiagnostics diagnostics, string manifestDirectory, bool checkFiles, Func<string, string?> environment)
{
    public void Apply(ExperimentManifest m)
    {
        if (!m.Model.IsBuiltin && Resolve("model.base", m.Model.Base) is { } basePath)
        {
            m.Model.ResolvedBasePath = basePath;
            if (checkFiles) CheckModelDirectory(basePath);
        }
        ApplyDatasets(m.Datasets.Train, "datasets.train");
        ApplyDatasets(m.Datasets.Eval, "datasets.eval");
        if (m.Evaluate.FewshotPath is { } fewshot && Resolve("evaluate.fewshot_path", fewshot) is { } fewshotPath)
        {
            m.Evaluate.ResolvedFewshotPath = fewshotPath;
            if (checkFiles) CheckFewshotFile(fewshotPath, m.Evaluate.Shots);
        }
    }

    private void ApplyDatasets(List<DatasetSpec> specs, string listPath)
    {
        for (var i = 0; i < specs.Count; i++)
        {
            var key = $"{listPath}[{i}].path";
            if (Resolve(key, specs[i].Path) is not { } path) continue;
            specs[i].ResolvedPath = path;
            if (!checkFiles) continue;
            if (Directory.Exists(path))
            {
                if (!Directory.EnumerateFiles(path, "*.jsonl", SearchOption.AllDirectories).Any())
                    diagnostics.Add(key, $"directory {path} holds no .jsonl files", WrittenAs(key));
            }
            else if (!File.Exists(path))
                diagnostics.Add(key, $"dataset not found: {path}", WrittenAs(key));
        }
    }

    private void CheckModelDirectory(string path)
    {
        if (!Directory.Exists(path))
            diagnostics.Add("model.base", $"model directory not found: {path}",
                WrittenAs("model.base") + "; or use builtin:tiny-llama / builtin:tiny-neox");
        else if (!File.Exists(Path.Combine(path, "config.json")))
            diagnostics.Add("model.base", $"{path} is not a Hugging Face checkpoint: config.json is missing",
                "point model.base at the directory holding config.json, *.safetensors and the tokenizer files");
    }

    private void CheckFewshotFile(string path, int shots)
    {
        if (!File.Exists(path))
        {
            diagnostics.Add("evaluate.fewshot_path", $"few-shot file not found: {path}", WrittenAs("evaluate.fewshot_path"));
            return;
        }
        var exemplars = File.ReadLines(path).Count(line => !string.IsNullOrWhiteSpace(line));
        if (exemplars < shots)
            diagnostics.Add("evaluate.shots", $"shots is {shots} but {path} holds only {exemplars} exemplar(s)");
    }

    /// <summary>The absolute path, or null when the value is missing or already had an error.</summary>
    private string? Resolve(string key, string value)
    {
        if (diagnostics.HasTypeError(key) || value.Length == 0) return null;
        var (expanded, failure) = EnvironmentExpander.Expand(value, environment);
        if (failure is not null)
        {
            diagnostics.Add(key, failure.Message, failure.Hint);
            return null;
        }
        try
        {
            return Path.GetFullPath(Path.Combine(manifestDirectory, expanded!));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            diagnostics.Add(key, $"'{value}' is not a valid path: {e.Message}");
            return null;
        }
    }

    private string WrittenAs(string key) =>
        $"written as '{diagnostics.RawText(key)}', resolved against the manifest's directory {manifestDirectory}"
        + (diagnostics.RawText(key)?.Contains("${") == true ? "; check the environment variables it uses" : "");
}
