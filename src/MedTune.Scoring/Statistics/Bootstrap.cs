namespace MedTune.Scoring.Statistics;

/// <summary>An estimate with its 95% (or other) bootstrap confidence interval over <see cref="N"/> questions.</summary>
public sealed record Estimate(double Value, double Low, double High, int N);

/// <summary>
/// Non-parametric bootstrap over questions, percentile method: resample the questions with
/// replacement <c>resamples</c> times, recompute the statistic, and take the (1-level)/2 and
/// (1+level)/2 quantiles of the resampled statistics (linear interpolation between order
/// statistics, numpy's default). Deterministic for a given seed.
/// </summary>
public static class Bootstrap
{
    public const int DefaultResamples = 1000;
    public const ulong DefaultSeed = 42;

    /// <summary>Mean of <paramref name="values"/> with its bootstrap interval.</summary>
    public static Estimate Mean(IReadOnlyList<double> values, int resamples = DefaultResamples, ulong seed = DefaultSeed, double level = 0.95) =>
        RatioOfSums(values, null, resamples, seed, level);

    /// <summary>
    /// <c>sum(numerators) / sum(denominators)</c> (e.g. points earned over points possible) with its
    /// bootstrap interval; resampling keeps each question's pair together. A resample whose
    /// denominators sum to 0 yields 0.
    /// </summary>
    public static Estimate RatioOfSums(IReadOnlyList<double> numerators, IReadOnlyList<double>? denominators,
        int resamples = DefaultResamples, ulong seed = DefaultSeed, double level = 0.95)
    {
        int n = numerators.Count;
        if (n == 0) throw new ArgumentException("cannot estimate over zero questions", nameof(numerators));
        if (denominators is not null && denominators.Count != n)
            throw new ArgumentException("numerators and denominators differ in length", nameof(denominators));
        CheckSettings(resamples, level);

        // Null denominators mean 1 per question (the mean).
        double[] top = numerators.ToArray();
        double[] bottom = denominators?.ToArray() ?? Enumerable.Repeat(1.0, n).ToArray();
        double value = Ratio(Sum(top), Sum(bottom));
        var random = new SplitMix64(seed);
        var statistics = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            double topSum = 0, bottomSum = 0;
            for (int i = 0; i < n; i++)
            {
                int pick = random.NextBelow(n);
                topSum += top[pick];
                bottomSum += bottom[pick];
            }
            statistics[r] = Ratio(topSum, bottomSum);
        }
        var (low, high) = PercentileInterval(statistics, level);
        return new Estimate(value, low, high, n);
    }

    /// <summary>The equal-tailed percentile interval of <paramref name="statistics"/> (sorted in place).</summary>
    public static (double Low, double High) PercentileInterval(double[] statistics, double level)
    {
        Array.Sort(statistics);
        double tail = (1 - level) / 2;
        return (Quantile(statistics, tail), Quantile(statistics, 1 - tail));
    }

    /// <summary>Quantile <paramref name="q"/> of sorted values, interpolating linearly (numpy "linear").</summary>
    public static double Quantile(double[] sorted, double q)
    {
        double position = (sorted.Length - 1) * q;
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        double fraction = position - below;
        return sorted[below] + fraction * (sorted[above] - sorted[below]);
    }

    internal static void CheckSettings(int resamples, double level)
    {
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "need at least one resample");
        if (level is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(level), level, "confidence level must be in (0, 1)");
    }

    /// <summary>Left-to-right sum (LINQ's Sum may change its summation order between versions).</summary>
    internal static double Sum(double[] values)
    {
        double sum = 0;
        foreach (double v in values) sum += v;
        return sum;
    }

    private static double Ratio(double top, double bottom) => bottom == 0 ? 0 : top / bottom;

    /// <summary>
    /// The statistic <see cref="RatioOfSums"/> reports as its value, without resampling: <c>sum(numerators) /
    /// sum(denominators)</c>, or the mean when <paramref name="denominators"/> is null.
    /// </summary>
    public static double PointEstimate(IReadOnlyList<double> numerators, IReadOnlyList<double>? denominators)
    {
        if (numerators.Count == 0) throw new ArgumentException("cannot estimate over zero questions", nameof(numerators));
        return Ratio(Sum(numerators.ToArray()), denominators is null ? numerators.Count : Sum(denominators.ToArray()));
    }
}
