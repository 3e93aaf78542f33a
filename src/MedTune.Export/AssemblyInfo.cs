namespace MedTune.Export;
