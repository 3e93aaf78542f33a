namespace MedTune.Evaluation;
