namespace MedTune.Scoring;
