using System.Text.Json.Nodes;
using MedTune.Pipeline;
using MedTune.Testing;
using static TorchSharp.torch;

namespace MedTune.Training.Tests;

public class TrainerTests
{
    /// <summary>Trains a fresh tiny model in <paramref name="workDirectory"/>; returns the adapter file bytes and the log's losses.</summary>
    private static (byte[] Adapter, List<double> Losses, TrainingOutcome Outcome) Train(
        string workDirectory, int maxSteps, int checkpointEvery = 0, double dropout = 0.1, Action<LoraTrainer, TinyModel>? configure = null, double learningRate = 1e-2, string[]? targets = null)
    {
        using var model = new TinyModel(seed: 1);
        using var lora = LoraInjector.Apply(model, TestData.Lora(dropout, targets ?? []), seed: 3);
        var settings = TestData.Train(maxSteps, checkpointEvery);
        settings.LearningRate = learningRate;
        var trainer = new LoraTrainer(lora, TestData.Tokenized(), settings, seed: 3, padId: 0);
        configure?.Invoke(trainer, model);
        var outcome = trainer.Run(workDirectory, SilentStageReporter.Instance);
        var adapterDirectory = Path.Combine(workDirectory, "adapter");
        LoraAdapter.Save(lora, adapterDirectory, null);
        return (File.ReadAllBytes(Path.Combine(adapterDirectory, LoraAdapter.WeightsFileName)), Losses(outcome.LogPath), outcome);
    }

    private static List<double> Losses(string logPath) =>
        File.ReadAllLines(logPath).Select(l => JsonNode.Parse(l)!["loss"]!.GetValue<double>()).ToList();

    [Fact]
    public void Loss_falls_on_a_small_instruction_set()
    {
        using var work = new TempDirectory();
        var (_, losses, outcome) = Train(work.Path, maxSteps: 30, dropout: 0, learningRate: 2e-2, targets: ["all-linear"]);
        Assert.Equal(30, outcome.Steps);
        Assert.Equal(30, losses.Count);
        var early = losses.Take(3).Average();
        var late = losses.TakeLast(3).Average();
        Assert.True(late < early * 0.6, $"loss went from {early:F3} to {late:F3}");
    }

    [Fact]
    public void Log_lines_carry_the_step_fields()
    {
        using var work = new TempDirectory();
        var (_, _, outcome) = Train(work.Path, maxSteps: 3);
        var line = JsonNode.Parse(File.ReadLines(outcome.LogPath).First())!.AsObject();
        Assert.Equal(["step", "epoch", "loss", "lr", "grad_norm", "tokens", "tokens_per_s", "rss_mb"], line.Select(p => p.Key));
        Assert.Equal(0.0, line["lr"]!.GetValue<double>()); // warmup starts at 0
        Assert.True(line["grad_norm"]!.GetValue<double>() > 0);
    }

    [Fact]
    public void Same_seed_and_inputs_give_a_byte_identical_adapter()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        var a = Train(first.Path, maxSteps: 6);
        var b = Train(second.Path, maxSteps: 6);
        Assert.Equal(a.Adapter, b.Adapter);
        Assert.Equal(a.Losses, b.Losses);
    }

    [Fact]
    public void A_run_resumed_after_a_crash_is_bit_identical_to_an_uninterrupted_one()
    {
        using var straight = new TempDirectory();
        var reference = Train(straight.Path, maxSteps: 8, checkpointEvery: 3);

        using var interrupted = new TempDirectory();
        // Crash after step 5: the checkpoint at step 3 survives, steps 4–5 are lost and must be replayed identically.
        Assert.Throws<SimulatedCrash>(() => Train(interrupted.Path, maxSteps: 8, checkpointEvery: 3,
            configure: (t, _) => t.StepCompleted += r => { if (r.Step == 5) throw new SimulatedCrash(); }));
        Assert.Equal(3, TrainingCheckpoint.FindLatest(interrupted.Path)!.Step);

        var resumed = Train(interrupted.Path, maxSteps: 8, checkpointEvery: 3);
        Assert.Equal(3, resumed.Outcome.ResumedFromStep);
        Assert.Equal(reference.Losses, resumed.Losses);
        Assert.Equal(reference.Adapter, resumed.Adapter);
    }

    [Fact]
    public void A_finished_run_is_not_trained_again()
    {
        using var work = new TempDirectory();
        var first = Train(work.Path, maxSteps: 4, checkpointEvery: 0);
        var again = Train(work.Path, maxSteps: 4, checkpointEvery: 0);
        Assert.Equal(4, again.Outcome.ResumedFromStep);
        Assert.Equal(first.Adapter, again.Adapter);
        Assert.Equal(first.Losses, again.Losses);
    }

    [Fact]
    public void Nan_loss_stops_training_and_keeps_the_last_good_checkpoint()
    {
        using var work = new TempDirectory();
        var error = Assert.Throws<TrainingDivergedException>(() => Train(work.Path, maxSteps: 10, checkpointEvery: 2,
            configure: (t, model) => t.StepCompleted += r =>
            {
                if (r.Step != 3) return;
                using (no_grad()) model.lm_head.weight.fill_(float.NaN);
            }));
        Assert.Contains("loss is NaN at step 4", error.Message);
        Assert.Contains("last good checkpoint (step 2)", error.Message);
        Assert.Equal(2, TrainingCheckpoint.FindLatest(work.Path)!.Step);
    }

    [Fact]
    public void A_corrupt_checkpoint_is_named_with_the_fix()
    {
        using var work = new TempDirectory();
        Train(work.Path, maxSteps: 2, checkpointEvery: 1);
        var checkpoint = TrainingCheckpoint.FindLatest(work.Path)!;
        File.WriteAllText(Path.Combine(checkpoint.Directory, "trainer_state.json"), "{ not json");
        var error = Assert.ThrowsAny<Exception>(() => Train(work.Path, maxSteps: 4));
        Assert.Contains(checkpoint.Directory, error.Message);
        Assert.Contains("Delete the folder", error.Message);
    }

    private sealed class SimulatedCrash : Exception;
}
