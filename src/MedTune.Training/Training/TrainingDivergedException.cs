namespace MedTune.Training;

/// <summary>Loss or gradient norm became NaN/infinite; training stopped without overwriting the last good checkpoint.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
