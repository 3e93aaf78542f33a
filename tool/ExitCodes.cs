namespace MedTune.Tool;

/// <summary>Process exit codes, documented in README.md ("Exit codes"); CI scripts depend on them.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>A stage failed while running (an exception from training, export, evaluation…).</summary>
    public const int StageFailed = 1;
    /// <summary>Bad input: malformed manifest, missing file, unknown option, corrupt checkpoint.</summary>
    public const int InvalidInput = 2;
    /// <summary><c>verify</c> found drift, or <c>status</c> found stages that are not up to date.</summary>
    public const int NotReproduced = 3;
    /// <summary>A <c>--fail-under</c> gate was not met.</summary>
    public const int GateFailed = 4;
    /// <summary>Interrupted (Ctrl+C); nothing half-written was published.</summary>
    public const int Cancelled = 130;
}
