using MedTune.Models;
using MedTune.Testing;
using Xunit.Abstractions;

namespace MedTune.Cli.Tests.Fuzzing;

/// <summary>
/// Issue 12 item 4: seeded bad-input fuzzing through the real CLI entry point. Every mutant of the quickstart (see
/// <see cref="FuzzCases"/>) is run through <c>validate</c> (and, for every fifth case that must fail, <c>run --until train</c>
/// with a cache): a mutant that is invalid by construction must end with exit 2 and a message naming the file (and line);
/// one that may still be valid may also pass. Never another exit code, a stack trace, a hang, or a cache entry.
/// The unit suite runs a seeded subset; <c>MEDTUNE_FUZZ_CASES=1000 MEDTUNE_FUZZ_SEED=N</c> runs more on demand.
/// </summary>
public sealed class BadInputFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("MEDTUNE_FUZZ_TIMEOUT_S"), out var s) ? s : 120);

    private static readonly string[] Leaks = ["   at MedTune.", "   at System.", "Exception:", "LineNumber:", "BytePositionInLine", "Nullable`1", "(Parameter '"];

    [Fact]
    public async Task Seeded_mutations_of_manifest_data_and_model_end_in_a_named_exit_2()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MEDTUNE_FUZZ_SEED"), out var s) ? s : 12;
        var count = int.TryParse(Environment.GetEnvironmentVariable("MEDTUNE_FUZZ_CASES"), out var n) ? n : 100;
        using var root = new TempDirectory();
        var pristine = Path.Combine(root.Path, "pristine");
        var manifest = TestExperiments.Quickstart(pristine);
        var model = Path.Combine(root.Path, "model");
        BuiltinModels.Create(BuiltinModels.TinyNeoX, model, seed: 42);

        var failures = new List<string>();
        var tally = new SortedDictionary<string, (int Cases, int Exit2, int Exit0)>(StringComparer.Ordinal);
        var only = Environment.GetEnvironmentVariable("MEDTUNE_FUZZ_FAMILY");   // e.g. "model-" to rerun one kind of case
        foreach (var fuzz in FuzzCases.Generate(seed, count, File.ReadAllText(manifest)))
        {
            if (only is not null && !fuzz.Family.Contains(only, StringComparison.Ordinal)) continue;
            var dir = Path.Combine(root.Path, $"case-{fuzz.Index}");
            CopyDirectory(pristine, dir);
            if (fuzz.UsesModel)
            {
                CopyDirectory(model, Path.Combine(dir, "model"));
                var yaml = Path.Combine(dir, "quickstart.yaml");
                File.WriteAllText(yaml, File.ReadAllText(yaml).Replace("base: builtin:tiny-llama", "base: model", StringComparison.Ordinal));
            }
            fuzz.Apply(dir);

            var validate = await RunWithTimeout(fuzz, "validate", Path.Combine(dir, "quickstart.yaml"));
            Check(fuzz, "validate", validate, failures);
            var (cases, exit2, exit0) = tally.GetValueOrDefault(fuzz.Family);
            tally[fuzz.Family] = (cases + 1, exit2 + (validate?.ExitCode == 2 ? 1 : 0), exit0 + (validate?.ExitCode == 0 ? 1 : 0));

            // Only mutants validate rejected: one it wrongly accepted is already a failure, and `run` would train on it.
            if (fuzz.Expect == Expectation.MustFail && fuzz.Index % 5 == 0 && validate?.ExitCode == 2)
            {
                var cache = Path.Combine(dir, "cache");
                var run = await RunWithTimeout(fuzz, "run", Path.Combine(dir, "quickstart.yaml"), "--until", "train", "--cache", cache);
                Check(fuzz, "run --until train", run, failures);
                if (Directory.Exists(cache) && Directory.EnumerateFiles(cache, ".medtune-record.json", SearchOption.AllDirectories).Any())
                    failures.Add($"{fuzz} [run]: a cache entry was written");
            }
            Directory.Delete(dir, recursive: true);
        }

        output.WriteLine($"seed {seed}: {count} cases");
        foreach (var (family, (cases, exit2, exit0)) in tally)
            output.WriteLine($"  {family,-30} {cases,4} cases, {exit2,4} exit 2, {exit0,4} exit 0 (still valid)");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases misbehaved (seed {seed}):\n" + string.Join("\n", failures.Take(40)));
    }

    private static async Task<CliRunner.Result?> RunWithTimeout(FuzzCase fuzz, params string[] args)
    {
        try { return await CliRunner.RunAsync(args).WaitAsync(CaseTimeout); }
        catch (TimeoutException) { return null; }
    }

    private static void Check(FuzzCase fuzz, string command, CliRunner.Result? result, List<string> failures)
    {
        if (result is null) { failures.Add($"{fuzz} [{command}]: no answer within {CaseTimeout.TotalSeconds} s (hang)"); return; }
        var text = result.Output.Length > 600 ? result.Output[..600] + "…" : result.Output;
        var allowed = fuzz.Expect == Expectation.MustFail ? result.ExitCode == 2 : result.ExitCode is 0 or 2;
        if (!allowed) failures.Add($"{fuzz} [{command}]: exit {result.ExitCode}, expected {(fuzz.Expect == Expectation.MustFail ? "2" : "0 or 2")}: {text}");
        if (result.ExitCode == 2 && !result.Output.Contains(fuzz.Names, StringComparison.Ordinal))
            failures.Add($"{fuzz} [{command}]: the message does not name '{fuzz.Names}': {text}");
        if (Leaks.FirstOrDefault(leak => result.Output.Contains(leak, StringComparison.Ordinal)) is { } found)
            failures.Add($"{fuzz} [{command}]: .NET internals ('{found}') in the message: {text}");
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
