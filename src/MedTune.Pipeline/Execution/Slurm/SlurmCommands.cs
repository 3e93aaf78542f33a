using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace MedTune.Pipeline;

/// <summary>The Slurm client tools medtune calls (sbatch, squeue, scontrol, sacct, scancel), as plain processes.</summary>
public interface ISlurmCommands
{
    /// <summary>Runs <paramref name="tool"/> and returns its standard output; a non-zero exit is a <see cref="SlurmException"/> with its stderr.</summary>
    Task<string> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken);
}

/// <summary>A Slurm tool failed or is not installed.</summary>
public sealed class SlurmException(string message) : Exception(message);

/// <summary>Runs the Slurm tools found on PATH (CliWrap).</summary>
public sealed class SlurmCommands : ISlurmCommands
{
    public static readonly SlurmCommands Instance = new();

    public async Task<string> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        BufferedCommandResult result;
        try
        {
            result = await Cli.Wrap(tool).WithArguments(arguments).WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(Encoding.UTF8, cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SlurmException($"{tool} could not be started ({e.Message}): is Slurm's client (Debian: slurm-client) installed and on PATH?");
        }
        if (result.ExitCode != 0)
            throw new SlurmException($"{tool} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.StandardError.Trim()}");
        return result.StandardOutput;
    }
}
