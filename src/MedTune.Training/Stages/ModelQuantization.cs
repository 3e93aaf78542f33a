using MedTune.Manifest;
using MedTune.Models.Quantization;

namespace MedTune.Training;

/// <summary>The manifest's <c>model.quantization</c> section as the Models library's <see cref="QuantizationOptions"/>.</summary>
public static class ModelQuantization
{
    /// <summary>Null when the base stays unquantized (<c>type: none</c>).</summary>
    public static QuantizationOptions? Options(QuantizationSection section)
    {
        if (!section.IsQuantized) return null;
        var options = QuantizationOptions.FromNames(section.Type, section.DoubleQuant, section.BlockSize, section.ComputeDtype);
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"model.quantization: {e.Message}", e);
        }
        return options;
    }
}
