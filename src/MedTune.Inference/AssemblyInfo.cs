namespace MedTune.Inference;
