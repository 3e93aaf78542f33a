namespace MedTune.Training;

/// <summary>
/// Learning-rate multipliers per optimizer step, as Hugging Face's <c>get_{constant,linear,cosine}_schedule_with_warmup</c>:
/// a linear warmup from 0 over <c>warmup</c> steps, then constant, linear decay to 0, or half-cosine decay to 0 at <c>total</c>.
/// </summary>
public sealed class LearningRateSchedule
{
    public const string Constant = "constant";
    public const string Linear = "linear";
    public const string Cosine = "cosine";

    private readonly string _kind;
    private readonly int _warmup;
    private readonly int _total;

    public LearningRateSchedule(string kind, int warmupSteps, int totalSteps)
    {
        if (kind is not (Constant or Linear or Cosine))
            throw new ArgumentException($"train.scheduler '{kind}' is unknown; use constant, linear or cosine.");
        if (warmupSteps < 0) throw new ArgumentException($"train.warmup_steps must not be negative (got {warmupSteps}).");
        if (totalSteps <= 0) throw new ArgumentException($"training needs at least one step (got {totalSteps}).");
        (_kind, _warmup, _total) = (kind, warmupSteps, totalSteps);
    }

    /// <summary>The multiplier of the base learning rate for the optimizer step that has <paramref name="step"/> steps before it.</summary>
    public double Factor(int step)
    {
        if (step < _warmup) return (double)step / Math.Max(1, _warmup);
        var progress = (double)(step - _warmup) / Math.Max(1, _total - _warmup);
        return _kind switch
        {
            Constant => 1.0,
            Linear => Math.Max(0.0, 1.0 - progress),
            _ => Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress))),
        };
    }
}
