namespace MedTune.Reporting;
