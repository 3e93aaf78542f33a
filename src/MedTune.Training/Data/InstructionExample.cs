namespace MedTune.Training;

/// <summary>One instruction-tuning example and where it came from (<c>file:line</c>).</summary>
public sealed record InstructionExample(string Instruction, string Input, string Output, string Source);

/// <summary>A malformed dataset record or file, named by file and line.</summary>
public sealed class DatasetException(string message, Exception? inner = null) : Exception(message, inner);
