namespace MedTune.Training;
