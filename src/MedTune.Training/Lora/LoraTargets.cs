using MedTune.Models;

namespace MedTune.Training;

/// <summary>Resolves manifest <c>target_modules</c> into the model's projections, as PEFT matches them.</summary>
public static class LoraTargets
{
    public const string AllLinear = "all-linear";

    /// <summary>Output heads PEFT leaves out of <c>all-linear</c>.</summary>
    private static readonly HashSet<string> OutputHeads = new(StringComparer.Ordinal) { "lm_head", "embed_out" };

    /// <summary>
    /// Projections whose last path component is one of <paramref name="targetModules"/> (PEFT's suffix match),
    /// or every projection except the output head for <c>all-linear</c>. Unknown names are an error listing
    /// the names the model has.
    /// </summary>
    public static IReadOnlyList<(string Path, AdaptableLinear Linear)> Resolve(CausalLanguageModel model, IReadOnlyList<string> targetModules)
    {
        var linears = model.Linears().ToList();
        if (targetModules.Count == 0)
            throw new ArgumentException("lora.target_modules is empty; name projections (e.g. q_proj, v_proj) or use all-linear.");
        if (targetModules.Count == 1 && targetModules[0] == AllLinear)
            return linears.Where(l => !OutputHeads.Contains(LastComponent(l.Path))).ToList();

        var available = linears.Select(l => LastComponent(l.Path)).ToHashSet(StringComparer.Ordinal);
        var unknown = targetModules.Where(t => !available.Contains(t)).ToList();
        if (unknown.Count > 0 || targetModules.Contains(AllLinear))
            throw new ArgumentException(
                $"lora.target_modules: {string.Join(", ", unknown.DefaultIfEmpty(AllLinear))} " +
                (unknown.Count > 0 ? "not found in the model" : "must be the only entry") +
                $". The model's projections are: {string.Join(", ", available.Order(StringComparer.Ordinal))} (or use all-linear).");
        var wanted = targetModules.ToHashSet(StringComparer.Ordinal);
        return linears.Where(l => wanted.Contains(LastComponent(l.Path))).ToList();
    }

    public static string LastComponent(string path) => path[(path.LastIndexOf('.') + 1)..];
}
