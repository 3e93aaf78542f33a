namespace MedTune.Checkpoints;

/// <summary>A checkpoint, config or tokenizer file that cannot be used; the message names the file and the fix.</summary>
public class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);
