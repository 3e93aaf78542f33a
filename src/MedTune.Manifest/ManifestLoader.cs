using System.Text;

namespace MedTune.Manifest;

/// <summary>How <see cref="ManifestLoader"/> reads a manifest.</summary>
public sealed record ManifestLoadOptions
{
    public static readonly ManifestLoadOptions Default = new();

    /// <summary>Check that the model directory, datasets and few-shot file exist (false: <c>medtune validate --no-check-files</c>).</summary>
    public bool CheckFiles { get; init; } = true;
    /// <summary>Where ${VAR} values come from; the process environment unless a test supplies its own.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
    public YamlLimits Limits { get; init; } = YamlLimits.Default;
}

/// <summary>
/// Reads an experiment manifest (YAML) into an <see cref="ExperimentManifest"/>: parses it with
/// positions, binds keys to the C# types, validates values, ranges and files, and resolves paths.
/// Every problem found is reported together in one <see cref="ManifestException"/>.
/// </summary>
public static class ManifestLoader
{
    public static ExperimentManifest Load(string path) => Load(path, ManifestLoadOptions.Default);

    public static ExperimentManifest Load(string path, bool checkFiles) =>
        Load(path, ManifestLoadOptions.Default with { CheckFiles = checkFiles });

    public static ExperimentManifest Load(string path, ManifestLoadOptions options)
    {
        var fullPath = Path.GetFullPath(path);
        var info = new FileInfo(fullPath);
        if (!info.Exists)
            throw new ManifestException(new ManifestError(path, 0, 0, "", $"manifest file not found: {fullPath}",
                Directory.Exists(fullPath) ? "this is a directory; give the .yaml file" : "check the path (experiments/NAME.yaml)"));
        if (info.Length > options.Limits.MaxBytes)
            throw new ManifestException(new ManifestError(path, 0, 0, "",
                $"the file is {info.Length} bytes; a manifest may be at most {options.Limits.MaxBytes} bytes",
                "a manifest holds settings, not data; point datasets.*.path at data files instead"));
        string text;
        try
        {
            text = File.ReadAllText(fullPath, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
        }
        catch (DecoderFallbackException)
        {
            throw new ManifestException(new ManifestError(path, 0, 0, "", "the file is not valid UTF-8", "save the manifest as UTF-8"));
        }
        return Parse(text, path, options);
    }

    /// <summary>Parses manifest text; <paramref name="sourcePath"/> names it in errors (as given) and anchors relative paths (made absolute).</summary>
    public static ExperimentManifest Parse(string yaml, string sourcePath) => Parse(yaml, sourcePath, ManifestLoadOptions.Default);

    public static ExperimentManifest Parse(string yaml, string sourcePath, ManifestLoadOptions options)
    {
        var fullPath = Path.GetFullPath(sourcePath);
        if (Encoding.UTF8.GetByteCount(yaml) > options.Limits.MaxBytes)
            throw new ManifestException(new ManifestError(sourcePath, 0, 0, "", $"the manifest is larger than {options.Limits.MaxBytes} bytes"));
        var root = YamlTreeReader.Read(yaml, sourcePath, options.Limits);
        var diagnostics = new ManifestDiagnostics(sourcePath);
        var manifest = new ExperimentManifest { ManifestPath = fullPath };
        if (root is null || root is YamlScalar { IsNull: true })
            throw new ManifestException(new ManifestError(sourcePath, 1, 1, "", "the manifest is empty", "start from experiments/quickstart.yaml"));
        if (root is not YamlMapping)
            throw new ManifestException(new ManifestError(sourcePath, root.Start.Line, root.Start.Column, "",
                $"a manifest is a mapping of keys (name:, model:, ...), got {root.Describe()}"));

        new ManifestBinder(diagnostics, options.Environment).BindSection(root, manifest, "");
        FillContextualDefaults(manifest, diagnostics);
        new AttributeRules(diagnostics).Check(manifest, "");
        new CrossKeyRules(diagnostics).Check(manifest);
        new PathRules(diagnostics, manifest.ManifestDirectory, options.CheckFiles, options.Environment).Apply(manifest);
        diagnostics.ThrowIfAny();
        return manifest;
    }

    /// <summary>
    /// The two defaults that depend on context rather than living in an initialiser (both documented on the key):
    /// a dataset's name is its file or directory name, and under datasets.eval the format is exam.
    /// </summary>
    private static void FillContextualDefaults(ExperimentManifest manifest, ManifestDiagnostics diagnostics)
    {
        for (var i = 0; i < manifest.Datasets.Eval.Count; i++)
            if (!diagnostics.IsWritten($"datasets.eval[{i}].format")) manifest.Datasets.Eval[i].Format = "exam";
        foreach (var spec in manifest.Datasets.Train.Concat(manifest.Datasets.Eval))
            spec.Name ??= Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(spec.Path));
    }
}
