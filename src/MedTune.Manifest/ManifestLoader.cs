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

    public static ExperimentManifest Load(string path, ManifestLoadOptions options) => Parse(ReadText(path, options), path, options);

    private static string ReadText(string path, ManifestLoadOptions options)
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
        try
        {
            return File.ReadAllText(fullPath, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
        }
        catch (DecoderFallbackException)
        {
            throw new ManifestException(new ManifestError(path, 0, 0, "", "the file is not valid UTF-8", "save the manifest as UTF-8"));
        }
    }

    /// <summary>Parses manifest text; <paramref name="sourcePath"/> names it in errors (as given) and anchors relative paths (made absolute).</summary>
    public static ExperimentManifest Parse(string yaml, string sourcePath) => Parse(yaml, sourcePath, ManifestLoadOptions.Default);

    public static ExperimentManifest Parse(string yaml, string sourcePath, ManifestLoadOptions options)
    {
        var matrix = ParseMatrix(yaml, sourcePath, options);
        if (matrix.Variants.Count == 1) return matrix.Variants[0].Manifest;
        throw new ManifestException(new ManifestError(sourcePath, 0, 0, "matrix",
            $"the manifest defines {matrix.Variants.Count} variants ({string.Join(", ", matrix.Variants.Select(v => v.Label))}); this needs one experiment",
            "name one with --variant LABEL"));
    }

    /// <summary>Reads a manifest as its set of experiments: one per point of its <c>matrix:</c>, or just itself without one.</summary>
    public static ExperimentMatrix LoadMatrix(string path, ManifestLoadOptions? options = null)
    {
        options ??= ManifestLoadOptions.Default;
        return ParseMatrix(ReadText(path, options), path, options);
    }

    public static ExperimentMatrix ParseMatrix(string yaml, string sourcePath, ManifestLoadOptions options)
    {
        var fullPath = Path.GetFullPath(sourcePath);
        if (Encoding.UTF8.GetByteCount(yaml) > options.Limits.MaxBytes)
            throw new ManifestException(new ManifestError(sourcePath, 0, 0, "", $"the manifest is larger than {options.Limits.MaxBytes} bytes"));
        var root = YamlTreeReader.Read(yaml, sourcePath, options.Limits);
        if (root is null || root is YamlScalar { IsNull: true })
            throw new ManifestException(new ManifestError(sourcePath, 1, 1, "", "the manifest is empty", "start from experiments/quickstart.yaml"));
        if (root is not YamlMapping mapping)
            throw new ManifestException(new ManifestError(sourcePath, root.Start.Line, root.Start.Column, "",
                $"a manifest is a mapping of keys (name:, model:, ...), got {root.Describe()}"));

        var (plain, matrixNode, compareNode) = VariantComparisons.Split(mapping);
        if (matrixNode is null)
        {
            var diagnostics = new ManifestDiagnostics(sourcePath);
            if (compareNode is not null)
                diagnostics.Add("report.compare", compareNode.Start, "report.compare names matrix variants, and this manifest has no matrix:",
                    "add a matrix: section (e.g. lora.r: [8, 64]), or remove report.compare");
            var manifest = Bind(plain, sourcePath, fullPath, options, diagnostics);
            diagnostics.ThrowIfAny();
            return new ExperimentMatrix
            {
                Name = manifest.Name, ManifestPath = fullPath, IsMatrix = false,
                Variants = [new ExperimentVariant(manifest.Name, "", [], manifest)],
            };
        }

        var matrixDiagnostics = new ManifestDiagnostics(sourcePath);
        var points = new MatrixExpander(matrixDiagnostics).Expand(matrixNode);
        matrixDiagnostics.ThrowIfAny();
        var variants = new List<ExperimentVariant>();
        var errors = new List<(ManifestError Error, string Variant)>();
        foreach (var (label, point) in points)
        {
            var diagnostics = new ManifestDiagnostics(sourcePath);
            var manifest = Bind(MatrixExpander.Apply(plain, point), sourcePath, fullPath, options, diagnostics);
            var name = manifest.Name + "@" + label;
            errors.AddRange(diagnostics.Errors.Select(e => (e, label)));
            if (!diagnostics.IsWritten("report.title")) manifest.Report.Title = name;
            manifest.Name = name;
            variants.Add(new ExperimentVariant(name, label,
                point.Values.Select(v => new KeyValuePair<string, string>(v.Key, (v.Value as YamlScalar)?.Value ?? v.Value.Describe())).ToList(), manifest));
        }
        var compare = new VariantComparisons(matrixDiagnostics).Read(compareNode, variants);
        if (errors.Count > 0 || matrixDiagnostics.Errors.Count > 0)
            throw new ManifestException(sourcePath, VariantComparisons.MergeErrors(errors, variants.Count, matrixDiagnostics.Errors));
        return new ExperimentMatrix
        {
            Name = variants[0].Manifest.Name[..variants[0].Manifest.Name.IndexOf('@')], ManifestPath = fullPath, IsMatrix = true,
            Variants = variants, Compare = compare,
        };
    }

    private static ExperimentManifest Bind(YamlMapping root, string sourcePath, string fullPath, ManifestLoadOptions options, ManifestDiagnostics diagnostics)
    {
        var manifest = new ExperimentManifest { ManifestPath = fullPath };
        new ManifestBinder(diagnostics, options.Environment).BindSection(root, manifest, "");
        FillContextualDefaults(manifest, diagnostics);
        new AttributeRules(diagnostics).Check(manifest, "");
        new CrossKeyRules(diagnostics).Check(manifest);
        new PathRules(diagnostics, manifest.ManifestDirectory, options.CheckFiles, options.Environment).Apply(manifest);
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
