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

    /// <summary>Input embeddings: 2-D weights that are not linear layers, so not LoRA targets.</summary>
    private static readonly HashSet<string> Embeddings = new(StringComparer.Ordinal) { "embed_tokens", "embed_in", "wte", "wpe" };

    /// <summary>
    /// Checks <c>target_modules</c> against a checkpoint's tensor names without loading it (for <c>medtune validate</c>):
    /// a linear layer is a 2-D <c>*.weight</c> that is not an embedding. Null when every name matches, else the error.
    /// </summary>
    public static string? CheckAgainstTensors(IReadOnlyList<string> targetModules, IEnumerable<(string Name, int Rank)> tensors)
    {
        if (targetModules.Count == 1 && targetModules[0] == AllLinear) return null;
        var available = tensors.Where(t => t.Rank == 2 && t.Name.EndsWith(".weight", StringComparison.Ordinal))
            .Select(t => LastComponent(t.Name[..^".weight".Length]))
            .Where(m => !Embeddings.Contains(m)).ToHashSet(StringComparer.Ordinal);
        if (targetModules.Contains(AllLinear)) return "lora.target_modules: all-linear must be the only entry.";
        var unknown = targetModules.Where(t => !available.Contains(t)).ToList();
        if (unknown.Count == 0) return null;
        var hints = unknown.Select(u => Manifest.DidYouMean.Suggest(u, available) is { } s ? $"'{u}' (did you mean '{s}'?)" : $"'{u}'");
        return $"lora.target_modules: {string.Join(", ", hints)} not found in the model. Its linear layers are: "
            + $"{string.Join(", ", available.Order(StringComparer.Ordinal))} (or use all-linear).";
    }

    /// <summary>The linear layers of the builtin tiny models (as in HF's modeling_llama / modeling_gpt_neox), as 2-D tensor names.</summary>
    public static IEnumerable<(string Name, int Rank)> BuiltinLinears(string builtinName) =>
        (builtinName.Contains("neox", StringComparison.Ordinal)
            ? new[] { "query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h", "embed_out" }
            : new[] { "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head" })
        .Select(m => ($"{m}.weight", 2));

    public static string LastComponent(string path) => path[(path.LastIndexOf('.') + 1)..];
}
