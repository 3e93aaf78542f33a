namespace MedTune.Pipeline;

/// <summary>The stage graph is not runnable: duplicate names, unknown dependencies, a cycle, an unknown --until/--force target.</summary>
public sealed class PipelineDefinitionException(string message) : Exception(message);
