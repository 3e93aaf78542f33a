namespace MedTune.Checkpoints;
