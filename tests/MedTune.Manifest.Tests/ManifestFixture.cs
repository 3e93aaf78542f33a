using MedTune.Testing;

namespace MedTune.Manifest.Tests;

/// <summary>
/// A temporary experiment directory with the files a manifest can point at: data/train.jsonl,
/// data/exam.jsonl, data/igakuqa/2018/112-A.jsonl, fewshot.jsonl (3 exemplars) and models/tiny/config.json.
/// </summary>
public sealed class ManifestFixture : IDisposable
{
    private readonly TempDirectory _dir = new();

    public ManifestFixture()
    {
        Write("data/train.jsonl", """{"instruction":"q","input":"","output":"a"}""" + "\n");
        Write("data/exam.jsonl", """{"problem_id":"QS001","problem_text":"q","choices":["a","b","c","d","e"],"answer":["a"]}""" + "\n");
        Write("data/igakuqa/2018/112-A.jsonl", "{}\n");
        Write("fewshot.jsonl", "{}\n{}\n{}\n");
        Write("models/tiny/config.json", """{"model_type":"llama"}""");
    }

    public string Root => _dir.Path;

    public string Write(string relativePath, string text)
    {
        var path = Path.Combine(_dir.Path, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Writes experiment.yaml and loads it with an environment that has only <paramref name="environment"/>.</summary>
    public ExperimentManifest Load(string yaml, IReadOnlyDictionary<string, string>? environment = null, bool checkFiles = true) =>
        ManifestLoader.Load(Write("experiment.yaml", yaml), Options(environment, checkFiles));

    public static ManifestLoadOptions Options(IReadOnlyDictionary<string, string>? environment = null, bool checkFiles = true) => new()
    {
        CheckFiles = checkFiles,
        Environment = name => environment is not null && environment.TryGetValue(name, out var v) ? v : null,
    };

    /// <summary>The exception's message as lines, with this fixture's directory shown as &lt;tmp&gt;.</summary>
    public string[] MessageLines(ManifestException e) =>
        e.Message.Replace(_dir.Path, "<tmp>").Split(Environment.NewLine);

    public void Dispose() => _dir.Dispose();
}
