using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MedTune.Pipeline;

/// <summary>
/// Everything a stage's cache key is computed from. Kept (in the record and the lock file) so that
/// <c>medtune status</c> can say <em>why</em> a stage is stale by diffing the old inputs against the new.
/// </summary>
/// <param name="Kind">Stage kind.</param>
/// <param name="ImplementationVersion">The stage code's version.</param>
/// <param name="Config">The stage config, canonicalised.</param>
/// <param name="Seed">The experiment seed.</param>
/// <param name="Inputs">Input logical name → content hash.</param>
/// <param name="Upstream">Upstream stage name → its output hash.</param>
public sealed record StageKeyInputs(
    string Kind,
    int ImplementationVersion,
    JsonNode Config,
    int Seed,
    IReadOnlyDictionary<string, string> Inputs,
    IReadOnlyDictionary<string, string> Upstream)
{
    /// <summary>Bump when the way keys are computed changes; every key changes with it.</summary>
    public const int KeySchemaVersion = 1;

    /// <summary>The cache key: SHA-256 (lower-case hex) of the canonical JSON of these inputs.</summary>
    public string ComputeKey()
    {
        var document = new JsonObject
        {
            ["key_schema"] = KeySchemaVersion,
            ["kind"] = Kind,
            ["impl_version"] = ImplementationVersion,
            ["config"] = CanonicalJson.Normalize(Config),
            ["seed"] = Seed,
            ["inputs"] = ToJsonObject(Inputs),
            ["upstream"] = ToJsonObject(Upstream),
        };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalJson.Serialize(document))));
    }

    /// <summary>Human-readable reasons this (current) key differs from <paramref name="previous"/>'s.</summary>
    public IReadOnlyList<string> DescribeChangesSince(StageKeyInputs previous)
    {
        var reasons = new List<string>();
        if (previous.Kind != Kind) reasons.Add($"kind changed {previous.Kind} -> {Kind}");
        if (previous.ImplementationVersion != ImplementationVersion)
            reasons.Add($"implementation version changed {previous.ImplementationVersion} -> {ImplementationVersion} (stage code changed)");
        if (previous.Seed != Seed) reasons.Add($"seed changed {previous.Seed} -> {Seed}");
        JsonDiff.Describe("config", CanonicalJson.Normalize(previous.Config), CanonicalJson.Normalize(Config), reasons);
        DescribeHashChanges("input", previous.Inputs, Inputs, "changed", reasons);
        DescribeHashChanges("upstream", previous.Upstream, Upstream, "output changed", reasons);
        return reasons;
    }

    private static void DescribeHashChanges(
        string what, IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after, string changed, List<string> reasons)
    {
        foreach (var name in before.Keys.Union(after.Keys).OrderBy(n => n, StringComparer.Ordinal))
        {
            var had = before.TryGetValue(name, out var old);
            var has = after.TryGetValue(name, out var now);
            if (had && !has) reasons.Add($"{what} {name} removed");
            else if (!had && has) reasons.Add($"{what} {name} added");
            else if (old != now) reasons.Add($"{what} {name} {changed}");
        }
    }

    private static JsonObject ToJsonObject(IReadOnlyDictionary<string, string> map)
    {
        var obj = new JsonObject();
        foreach (var (name, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal)) obj[name] = value;
        return obj;
    }
}
