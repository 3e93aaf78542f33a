namespace MedTune.Pipeline.Tests;

/// <summary>
/// Entry point of the test assembly (the test SDK's generated one is turned off in the project file) so that
/// <see cref="CrashTests"/> can run it as a child process with <c>dotnet exec</c> and kill it mid-stage.
/// Test runners never call it.
/// </summary>
public static class Program
{
    public const string CrashChildCommand = "crash-child";

    public const string MatrixChildCommand = "matrix-child";

    public static async Task<int> Main(string[] args)
    {
        if (args is [MatrixChildCommand, var root, var trainData, var builds, var shots])
        {
            await OverlappingMatricesTests.RunChildAsync(root, trainData, builds, shots.Split(',').Select(int.Parse).ToArray());
            return 0;
        }
        if (args is not [CrashChildCommand, var cacheRoot, var input]) return 0;
        var definitions = CheckpointingTrainStage.Definitions(input, new CheckpointingTrainStage(hangAfterCheckpoint: true));
        await new PipelineRunner(new PipelineRunnerOptions { CacheRoot = cacheRoot, Seed = 42 }).RunAsync(definitions);
        return 1; // unreachable: the stage hangs until the test kills this process
    }
}
