namespace MedTune.Models;
