namespace MedTune.Manifest;

/// <summary>Suggests the intended word for a misspelt key or value (optimal string alignment distance).</summary>
public static class DidYouMean
{
    /// <summary>The closest candidate if it is close enough to be a plausible typo, else null.</summary>
    public static string? Suggest(string input, IEnumerable<string> candidates)
    {
        var lowered = input.ToLowerInvariant().Replace('-', '_');
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(lowered, candidate.ToLowerInvariant().Replace('-', '_'));
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        if (best is null) return null;
        var allowed = Math.Max(1, Math.Min(3, input.Length / 3));
        if (bestDistance <= allowed) return best;
        // "target" for "target_modules", "lr_sched" for "scheduler" is not caught, but a prefix is.
        var prefix = candidates.FirstOrDefault(c => input.Length >= 3 && c.StartsWith(lowered, StringComparison.OrdinalIgnoreCase));
        return prefix;
    }

    /// <summary>Edits (insert, delete, substitute, swap two adjacent characters) turning a into b.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
