namespace MedTune.Training;

/// <summary>
/// How the examples are cut into micro-batches and optimizer steps. Micro-batch <c>m</c> is the
/// <c>m mod perEpoch</c>-th slice of epoch <c>m / perEpoch</c>'s shuffled order; optimizer step <c>s</c> uses micro-batches
/// <c>s·accumulation …</c>. Position in training is therefore a pure function of the step count.
/// </summary>
public sealed class TrainingPlan
{
    public TrainingPlan(int exampleCount, int batchSize, int accumulation, int epochs, int? maxSteps, int seed)
    {
        if (exampleCount <= 0) throw new ArgumentException("no training examples.");
        if (batchSize <= 0) throw new ArgumentException($"train.batch_size must be positive (got {batchSize}).");
        if (accumulation <= 0) throw new ArgumentException($"train.gradient_accumulation_steps must be positive (got {accumulation}).");
        if (maxSteps is null && epochs <= 0) throw new ArgumentException($"train.epochs must be positive (got {epochs}).");
        if (maxSteps is <= 0) throw new ArgumentException($"train.max_steps must be positive (got {maxSteps}).");
        ExampleCount = exampleCount;
        BatchSize = batchSize;
        Accumulation = accumulation;
        Seed = seed;
        MicroBatchesPerEpoch = (exampleCount + batchSize - 1) / batchSize;
        TotalMicroBatches = maxSteps is { } steps ? (long)steps * accumulation : (long)epochs * MicroBatchesPerEpoch;
        TotalSteps = (int)((TotalMicroBatches + accumulation - 1) / accumulation);
    }

    public int ExampleCount { get; }
    public int BatchSize { get; }
    public int Accumulation { get; }
    public int Seed { get; }
    public int MicroBatchesPerEpoch { get; }
    public long TotalMicroBatches { get; }
    public int TotalSteps { get; }

    /// <summary>Micro-batch indices of optimizer step <paramref name="step"/> (0-based).</summary>
    public IEnumerable<long> MicroBatchesOf(int step)
    {
        var first = (long)step * Accumulation;
        var last = Math.Min(first + Accumulation, TotalMicroBatches);
        for (var m = first; m < last; m++) yield return m;
    }

    public (int Epoch, int Index) Position(long microBatch) =>
        ((int)(microBatch / MicroBatchesPerEpoch), (int)(microBatch % MicroBatchesPerEpoch) * BatchSize);

    /// <summary>Example indices of micro-batch <paramref name="microBatch"/>.</summary>
    public int[] ExamplesOf(long microBatch, Func<int, int[]> permutationOfEpoch)
    {
        var (epoch, start) = Position(microBatch);
        var order = permutationOfEpoch(epoch);
        return order[start..Math.Min(start + BatchSize, ExampleCount)];
    }

    public double EpochAt(int stepsDone) => (double)Math.Min((long)stepsDone * Accumulation, TotalMicroBatches) / MicroBatchesPerEpoch;
}
