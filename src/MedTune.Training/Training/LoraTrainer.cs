using System.Diagnostics;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Pipeline;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>
/// Trains the LoRA weights of a model: AdamW over the LoRA tensors only, a warmup + decay schedule, gradient
/// accumulation, gradient-norm clipping, a JSONL step log, and resumable checkpoints in a work directory.
/// The loss of an optimizer step is the mean over the response tokens of its whole accumulation window (not a mean of
/// micro-batch means), so it does not depend on how the window is split into micro-batches. Optional: examples grouped
/// by length, and decoder layers recomputed in the backward pass (activation checkpointing).
/// On CPU with a fixed thread count, a run resumed from a checkpoint is bit-identical to an uninterrupted one
/// (data order is a function of (seed, epoch); dropout masks come from a checkpointed generator).
/// </summary>
public sealed class LoraTrainer
{
    private readonly LoraInjection _lora;
    private readonly IReadOnlyList<TokenizedExample> _examples;
    private readonly TrainSection _settings;
    private readonly int _seed;
    private readonly int _padId;

    public LoraTrainer(LoraInjection lora, IReadOnlyList<TokenizedExample> examples, TrainSection settings, int seed, int padId)
    {
        _lora = lora;
        _examples = examples;
        _settings = settings;
        _seed = seed;
        _padId = padId;
        Plan = new TrainingPlan(examples.Count, settings.BatchSize, settings.GradientAccumulationSteps, settings.Epochs, settings.MaxSteps, seed);
        if (settings.LearningRate <= 0) throw new ArgumentException($"train.learning_rate must be positive (got {settings.LearningRate}).");
    }

    public TrainingPlan Plan { get; }

    private (int Epoch, int[] Order)? _order;

    /// <summary>Example order of an epoch: the seeded shuffle, grouped by length when train.group_by_length is on.</summary>
    private int[] OrderOf(int epoch)
    {
        if (_order is { } cached && cached.Epoch == epoch) return cached.Order;
        var order = DataOrder.Permutation(_examples.Count, _seed, epoch);
        if (_settings.GroupByLength)
            order = DataOrder.GroupByLength(order, i => _examples[i].InputIds.Length, Plan.BatchSize * Plan.Accumulation * DataOrder.StepsPerLengthGroup);
        _order = (epoch, order);
        return order;
    }

    /// <summary>Raised after each optimizer step has been logged (and checkpointed, when due).</summary>
    public event Action<TrainingStepRecord>? StepCompleted;

    /// <summary>
    /// Trains to the planned step count, resuming from the newest checkpoint in <paramref name="workDirectory"/>.
    /// Cancellation is honoured between steps, after writing a checkpoint of the steps done since the last one.
    /// </summary>
    public TrainingOutcome Run(string workDirectory, IStageReporter reporter, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(workDirectory);
        var model = _lora.Model;
        var parameters = _lora.Parameters().ToList();
        foreach (var parameter in parameters) parameter.requires_grad = true;
        using var optimizer = new LowMemoryAdamW(parameters, lr: _settings.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: _settings.WeightDecay);
        var schedule = new LearningRateSchedule(_settings.Scheduler, _settings.WarmupSteps, Plan.TotalSteps);
        var logPath = Path.Combine(workDirectory, TrainingCheckpoint.LogFile);

        var step = Resume(workDirectory, optimizer, logPath, reporter);
        var lastCheckpointStep = step;
        var device = parameters[0].device;
        var resumedAt = step;
        var totalTokens = 0L;
        var clock = Stopwatch.StartNew();
        var lastLoss = LastLoggedLoss(logPath);
        long paddedTokens = 0, positions = 0;

        model.train();
        if (_settings.GradientCheckpointing) model.Checkpointing = new ActivationCheckpointing([_lora.DropoutGenerator]);
        try
        {
            using var log = new TrainLogWriter(logPath);
            using var progress = reporter.StartProgress("training LoRA", Plan.TotalSteps, "steps");
            progress.Increment(step);
            while (step < Plan.TotalSteps)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    // Interrupted (Ctrl+C, SIGINT): keep the steps done so far, so the next run resumes from here.
                    if (step > lastCheckpointStep)
                    {
                        var (epoch, index) = Plan.Position((long)step * Plan.Accumulation);
                        TrainingCheckpoint.Save(workDirectory, step, new TrainingPosition(epoch, index), _lora, optimizer, logPath);
                        reporter.Info($"interrupted at step {step} of {Plan.TotalSteps}: checkpoint written in {workDirectory}; the next run resumes from it");
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                }
                var stepClock = Stopwatch.StartNew();
                var (loss, tokens, padded) = AccumulateGradients(step, device, lastCheckpointStep);
                paddedTokens += padded;
                positions += tokens + padded;
                var gradNorm = ClipGradients(parameters, step, lastCheckpointStep, workDirectory);
                var learningRate = _settings.LearningRate * schedule.Factor(step);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
                optimizer.step();
                optimizer.zero_grad();
                step++;

                totalTokens += tokens;
                lastLoss = loss;
                var record = new TrainingStepRecord(step, Plan.EpochAt(step), loss, learningRate, gradNorm, tokens,
                    tokens / Math.Max(stepClock.Elapsed.TotalSeconds, 1e-9), ProcessMemory.RssMegabytes());
                if (_settings.LogEvery <= 1 || step % _settings.LogEvery == 0 || step == Plan.TotalSteps) log.Write(record);
                progress.Increment();
                progress.Describe($"training LoRA (loss {loss:F4})");

                var checkpointDue = step == Plan.TotalSteps || (_settings.CheckpointEvery > 0 && step % _settings.CheckpointEvery == 0);
                if (checkpointDue)
                {
                    var (epoch, index) = Plan.Position((long)step * Plan.Accumulation);
                    TrainingCheckpoint.Save(workDirectory, step, new TrainingPosition(epoch, index), _lora, optimizer, logPath);
                    lastCheckpointStep = step;
                }
                StepCompleted?.Invoke(record);
            }
        }
        finally
        {
            model.Checkpointing = null;
            model.eval();
            foreach (var parameter in parameters) parameter.requires_grad = false;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return new TrainingOutcome(step, resumedAt, lastLoss, logPath, totalTokens, seconds, ProcessMemory.PeakRssMegabytes())
        {
            PaddedTokenShare = positions > 0 ? (double)paddedTokens / positions : 0,
        };
    }

    /// <summary>Restores the newest checkpoint (and its log) if any; returns the steps already done.</summary>
    private int Resume(string workDirectory, AdamW optimizer, string logPath, IStageReporter reporter)
    {
        var checkpoint = TrainingCheckpoint.FindLatest(workDirectory);
        if (checkpoint is null)
        {
            File.Delete(logPath);
            return 0;
        }
        if (checkpoint.Step > Plan.TotalSteps)
            throw new InvalidOperationException($"{checkpoint.Directory}: checkpoint is at step {checkpoint.Step}, beyond this run's {Plan.TotalSteps} steps; delete {workDirectory} to restart.");
        var threads = checkpoint.Restore(_lora, optimizer);
        if (threads != get_num_threads())
            reporter.Warning($"resuming with {get_num_threads()} torch threads, the checkpoint was written with {threads}: the result may differ in the last bits from an uninterrupted run.");
        if (File.Exists(checkpoint.LogPath)) File.Copy(checkpoint.LogPath, logPath, overwrite: true);
        else File.Delete(logPath);
        reporter.Info($"resuming training from step {checkpoint.Step} of {Plan.TotalSteps} ({checkpoint.Directory})");
        return checkpoint.Step;
    }

    /// <summary>The loss of the last logged step (a fully resumed run has no new step), or NaN.</summary>
    private static double LastLoggedLoss(string logPath)
    {
        if (!File.Exists(logPath)) return double.NaN;
        var last = File.ReadLines(logPath).LastOrDefault(l => l.Length > 0);
        return last is null ? double.NaN : System.Text.Json.Nodes.JsonNode.Parse(last)?["loss"]?.GetValue<double>() ?? double.NaN;
    }

    /// <summary>
    /// Forward and backward over the step's micro-batches, leaving the step's gradient in the LoRA parameters: each
    /// micro-batch contributes (sum of its token losses) / (response tokens in the whole window), so the gradient is that
    /// of the window's token-mean loss however the window is split. Returns that loss, the real tokens and the padding.
    /// </summary>
    internal (double Loss, int Tokens, long PaddedTokens) AccumulateGradients(int step, Device device, int lastCheckpointStep = 0)
    {
        var microBatches = Plan.MicroBatchesOf(step).Select(m => Plan.ExamplesOf(m, OrderOf)).ToList();
        var labelled = microBatches.Sum(indices => indices.Sum(i => LabelledTargets(_examples[i])));
        var lossSum = 0.0;
        var tokens = 0;
        var padded = 0L;
        foreach (var indices in microBatches)
        {
            using var scope = NewDisposeScope();
            using var batch = BatchCollator.Collate(indices.Select(i => _examples[i]).ToList(), _padId, device);
            var logits = _lora.Model.Forward(batch.InputIds, batch.AttentionMask);
            var loss = CausalLossSum(logits, batch.Labels).div(labelled);
            var value = loss.item<float>();
            if (!float.IsFinite(value)) throw Diverged("loss", value, step, lastCheckpointStep);
            loss.backward();
            _lora.Model.Checkpointing?.Release();
            lossSum += value;
            tokens += batch.TokenCount;
            padded += batch.InputIds.numel() - batch.TokenCount;
        }
        return (lossSum, tokens, padded);
    }

    /// <summary>Positions whose next token carries loss (labels after the first that are not −100).</summary>
    private static int LabelledTargets(TokenizedExample example) =>
        example.Labels.Skip(1).Count(l => l != TokenizedExample.IgnoreLabel);

    /// <summary>Mean next-token cross-entropy over labelled positions (label −100 ignored), computed in float32.</summary>
    public static Tensor CausalLoss(Tensor logits, Tensor labels)
    {
        var vocab = logits.shape[^1];
        var shiftedLogits = logits[.., ..^1, ..].to_type(ScalarType.Float32).reshape(-1, vocab);
        var shiftedLabels = labels[.., 1..].reshape(-1);
        return nn.functional.cross_entropy(shiftedLogits, shiftedLabels, ignore_index: TokenizedExample.IgnoreLabel);
    }

    /// <summary>Sum of the next-token cross-entropies over labelled positions, computed in float32.</summary>
    public static Tensor CausalLossSum(Tensor logits, Tensor labels)
    {
        var vocab = logits.shape[^1];
        var shiftedLogits = logits[.., ..^1, ..].to_type(ScalarType.Float32).reshape(-1, vocab);
        var shiftedLabels = labels[.., 1..].reshape(-1);
        return nn.functional.cross_entropy(shiftedLogits, shiftedLabels, ignore_index: TokenizedExample.IgnoreLabel, reduction: nn.Reduction.Sum);
    }

    private double ClipGradients(IList<Parameter> parameters, int step, int lastCheckpointStep, string workDirectory)
    {
        var maxNorm = _settings.MaxGradNorm > 0 ? _settings.MaxGradNorm : double.PositiveInfinity;
        var norm = nn.utils.clip_grad_norm_(parameters, maxNorm);
        if (!double.IsFinite(norm)) throw Diverged("gradient norm", norm, step, lastCheckpointStep);
        return norm;
    }

    private TrainingDivergedException Diverged(string what, double value, int step, int lastCheckpointStep) =>
        new($"{what} is {value} at step {step + 1} (epoch {Plan.EpochAt(step):F2}); training stopped. " +
            (lastCheckpointStep > 0
                ? $"The last good checkpoint (step {lastCheckpointStep}) is kept. "
                : "No checkpoint had been written yet. ") +
            "Lower train.learning_rate, raise warmup_steps or check the data for broken examples (a changed config starts a fresh run).");
}

/// <param name="Steps">Optimizer steps done in total.</param>
/// <param name="ResumedFromStep">Steps restored from a checkpoint at the start of this run (0 = fresh).</param>
public sealed record TrainingOutcome(int Steps, int ResumedFromStep, double FinalLoss, string LogPath, long Tokens, double Seconds, double PeakRssMegabytes)
{
    /// <summary>Padding positions / all positions of the micro-batches trained in this run.</summary>
    public double PaddedTokenShare { get; init; }

    public double TokensPerSecond => Seconds > 0 ? Tokens / Seconds : 0;
}
