namespace MedTune.Inference;

/// <summary>Picks the next token from one row of logits: greedy at temperature 0, otherwise temperature + top-p (nucleus) sampling.</summary>
public static class TokenSampler
{
    /// <summary>Index of the largest logit among the first <paramref name="candidates"/>; the lowest index wins ties.</summary>
    public static int Greedy(ReadOnlySpan<float> logits, int candidates)
    {
        var best = 0;
        for (var i = 1; i < candidates; i++)
        {
            if (logits[i] > logits[best]) best = i;
        }
        return best;
    }

    /// <summary>
    /// Samples among the first <paramref name="candidates"/> logits after dividing by <paramref name="temperature"/>,
    /// keeping the most probable tokens whose probabilities, summed in descending order, first reach <paramref name="topP"/>
    /// (the token that crosses it is kept, as in HF's TopPLogitsWarper).
    /// </summary>
    public static int Sample(ReadOnlySpan<float> logits, int candidates, double temperature, double topP, SeededRandom random)
    {
        var probabilities = new double[candidates];
        var max = double.NegativeInfinity;
        for (var i = 0; i < candidates; i++) max = Math.Max(max, logits[i] / temperature);
        var total = 0.0;
        for (var i = 0; i < candidates; i++)
        {
            probabilities[i] = Math.Exp(logits[i] / temperature - max);
            total += probabilities[i];
        }

        var order = NucleusOrder(probabilities, total, topP);
        var kept = 0.0;
        foreach (var i in order) kept += probabilities[i];
        var threshold = random.NextDouble() * kept;
        var cumulative = 0.0;
        foreach (var i in order)
        {
            cumulative += probabilities[i];
            if (threshold < cumulative) return i;
        }
        return order[^1];
    }

    /// <summary>
    /// The nucleus: token ids by descending probability (lower id first on ties), cut once <paramref name="topP"/> is
    /// reached. With <paramref name="topP"/> 1 every id is kept, in id order (no sort over the whole vocabulary).
    /// </summary>
    public static int[] NucleusOrder(double[] weights, double total, double topP)
    {
        var order = Enumerable.Range(0, weights.Length).ToArray();
        if (topP >= 1.0) return order;
        Array.Sort(order, (a, b) => weights[b].CompareTo(weights[a]) is var c && c != 0 ? c : a.CompareTo(b));
        var cumulative = 0.0;
        var keep = 0;
        while (keep < order.Length && (keep == 0 || cumulative < topP * total))
        {
            cumulative += weights[order[keep]];
            keep++;
        }
        return order[..keep];
    }
}
