namespace MedTune.Training.Tests;

public class ScheduleTests
{
    [Theory]
    // kind, warmup, total, step, expected factor (Hugging Face get_*_schedule_with_warmup)
    [InlineData("constant", 0, 10, 0, 1.0)]
    [InlineData("constant", 4, 10, 1, 0.25)]
    [InlineData("constant", 4, 10, 9, 1.0)]
    [InlineData("linear", 2, 10, 0, 0.0)]
    [InlineData("linear", 2, 10, 1, 0.5)]
    [InlineData("linear", 2, 10, 2, 1.0)]
    [InlineData("linear", 2, 10, 6, 0.5)]
    [InlineData("linear", 2, 10, 10, 0.0)]
    [InlineData("cosine", 0, 10, 0, 1.0)]
    [InlineData("cosine", 0, 10, 5, 0.5)]
    [InlineData("cosine", 2, 10, 4, 0.8535533905932737)]
    [InlineData("cosine", 0, 10, 10, 0.0)]
    public void Factors_match_the_reference_schedules(string kind, int warmup, int total, int step, double expected)
    {
        Assert.Equal(expected, new LearningRateSchedule(kind, warmup, total).Factor(step), precision: 12);
    }

    [Fact]
    public void Unknown_schedule_is_refused()
    {
        Assert.Contains("constant, linear or cosine", Assert.Throws<ArgumentException>(() => new LearningRateSchedule("step", 0, 10)).Message);
    }

    [Fact]
    public void Plan_cuts_epochs_into_micro_batches_and_steps()
    {
        var plan = new TrainingPlan(exampleCount: 10, batchSize: 3, accumulation: 2, epochs: 3, maxSteps: null, seed: 1);
        Assert.Equal(4, plan.MicroBatchesPerEpoch);
        Assert.Equal(12, plan.TotalMicroBatches);
        Assert.Equal(6, plan.TotalSteps);
        Assert.Equal([2L, 3L], plan.MicroBatchesOf(1));
        Assert.Equal((1, 3), plan.Position(5));
        Assert.Equal([9], plan.ExamplesOf(3, _ => Enumerable.Range(0, 10).ToArray()));
        Assert.Equal(7, new TrainingPlan(10, 3, 2, 3, maxSteps: 7, 1).TotalSteps);
    }
}
