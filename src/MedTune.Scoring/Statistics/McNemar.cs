namespace MedTune.Scoring.Statistics;

/// <summary>McNemar's exact test on paired 0/1 outcomes.</summary>
/// <param name="OnlyFirstCorrect">b: questions the first system got right and the second wrong.</param>
/// <param name="OnlySecondCorrect">c: questions the second system got right and the first wrong.</param>
/// <param name="PValue">Two-sided exact p-value.</param>
public sealed record McNemarResult(int N, int BothCorrect, int OnlyFirstCorrect, int OnlySecondCorrect, int NeitherCorrect, double PValue);

/// <summary>
/// McNemar's exact test: under the null hypothesis the discordant pairs split Binomial(b + c, 1/2);
/// the two-sided p-value is <c>min(1, 2 * P(X &lt;= min(b, c)))</c>.
/// </summary>
public static class McNemar
{
    public static McNemarResult Test(IReadOnlyList<bool> first, IReadOnlyList<bool> second)
    {
        if (first.Count != second.Count)
            throw new ArgumentException($"paired outcomes differ in length ({first.Count} vs {second.Count})", nameof(second));
        int both = 0, onlyFirst = 0, onlySecond = 0, neither = 0;
        for (int i = 0; i < first.Count; i++)
        {
            switch (first[i], second[i])
            {
                case (true, true): both++; break;
                case (true, false): onlyFirst++; break;
                case (false, true): onlySecond++; break;
                default: neither++; break;
            }
        }
        return new McNemarResult(first.Count, both, onlyFirst, onlySecond, neither, ExactPValue(onlyFirst, onlySecond));
    }

    /// <summary>Two-sided exact p-value for <paramref name="b"/> and <paramref name="c"/> discordant pairs (1 when there are none).</summary>
    public static double ExactPValue(int b, int c)
    {
        if (b < 0 || c < 0) throw new ArgumentOutOfRangeException(b < 0 ? nameof(b) : nameof(c), "counts cannot be negative");
        int n = b + c;
        if (n == 0) return 1.0;
        int k = Math.Min(b, c);
        double tail = 0;
        if (n <= 1000)
        {
            // 0.5^n is exact in a double here, and so are the small terms' products: exact for small tables.
            double term = Math.ScaleB(1.0, -n); // C(n, 0) / 2^n
            for (int i = 0; i <= k; i++)
            {
                if (i > 0) term = term * (n - i + 1) / i;
                tail += term;
            }
        }
        else
        {
            // Sum in log space: 0.5^n underflows for n > 1074.
            double logHalfToN = -n * Math.Log(2);
            double logChoose = 0; // log C(n, 0)
            for (int i = 0; i <= k; i++)
            {
                if (i > 0) logChoose += Math.Log(n - i + 1) - Math.Log(i);
                tail += Math.Exp(logChoose + logHalfToN);
            }
        }
        return Math.Min(1.0, 2 * tail);
    }
}
