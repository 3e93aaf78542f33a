namespace MedTune.Scoring.Statistics;

/// <summary>Mean of <c>second - first</c> over paired questions, its bootstrap interval and two-sided p-value.</summary>
public sealed record PairedDifference(double MeanDifference, double Low, double High, double PValue, int N, int Resamples);

/// <summary>
/// Paired bootstrap for a continuous per-question score (the Gestalt score): resample questions,
/// keeping each question's two scores together, and recompute the mean difference.
/// The p-value is two-sided: <c>min(1, 2 * (min(#{d* &lt;= 0}, #{d* &gt;= 0}) + 1) / (B + 1))</c>,
/// the share of resampled differences on the far side of zero, with the +1 correction so that
/// it is never 0 from a finite number of resamples.
/// </summary>
public static class PairedBootstrap
{
    public static PairedDifference Compare(IReadOnlyList<double> first, IReadOnlyList<double> second,
        int resamples = Bootstrap.DefaultResamples, ulong seed = Bootstrap.DefaultSeed, double level = 0.95)
    {
        if (first.Count != second.Count)
            throw new ArgumentException($"paired scores differ in length ({first.Count} vs {second.Count})", nameof(second));
        int n = first.Count;
        if (n == 0) throw new ArgumentException("cannot compare zero questions", nameof(first));
        Bootstrap.CheckSettings(resamples, level);

        var differences = new double[n];
        for (int i = 0; i < n; i++) differences[i] = second[i] - first[i];
        double meanDifference = Bootstrap.Sum(differences) / n;

        var random = new SplitMix64(seed);
        var statistics = new double[resamples];
        int atOrBelowZero = 0, atOrAboveZero = 0;
        for (int r = 0; r < resamples; r++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += differences[random.NextBelow(n)];
            double mean = sum / n;
            statistics[r] = mean;
            if (mean <= 0) atOrBelowZero++;
            if (mean >= 0) atOrAboveZero++;
        }
        var (low, high) = Bootstrap.PercentileInterval(statistics, level);
        double p = Math.Min(1.0, 2.0 * (Math.Min(atOrBelowZero, atOrAboveZero) + 1) / (resamples + 1));
        return new PairedDifference(meanDifference, low, high, p, n, resamples);
    }
}
