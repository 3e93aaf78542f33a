using MedTune.Checkpoints;

namespace MedTune.Export;

/// <summary>Rotary inverse frequencies as transformers computes them, including <c>rope_scaling</c>.</summary>
public static class RotaryFrequencies
{
    /// <summary>inv_freq[i] = 1 / theta^(2i / rotaryDim), rescaled per <paramref name="scaling"/>.</summary>
    public static float[] Inverse(int rotaryDim, double theta, RopeScaling? scaling)
    {
        var inverse = new float[rotaryDim / 2];
        for (var i = 0; i < inverse.Length; i++)
            inverse[i] = (float)(1.0 / Math.Pow(theta, 2.0 * i / rotaryDim));
        if (scaling is null) return inverse;
        switch (scaling.Type)
        {
            case "default":
                return inverse;
            case "linear":
                // Dividing every frequency by the factor is dividing every position by it.
                for (var i = 0; i < inverse.Length; i++) inverse[i] = (float)(inverse[i] / scaling.Factor);
                return inverse;
            case "llama3":
                return Llama3(inverse, scaling);
            default:
                throw new NotSupportedException(
                    $"rope_scaling type '{scaling.Type}' is not supported by the ONNX exporter (default, linear and llama3 are).");
        }
    }

    private static float[] Llama3(float[] inverse, RopeScaling scaling)
    {
        var lowWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.LowFrequencyFactor;
        var highWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.HighFrequencyFactor;
        var result = new float[inverse.Length];
        for (var i = 0; i < inverse.Length; i++)
        {
            double frequency = inverse[i];
            var wavelength = 2 * Math.PI / frequency;
            if (wavelength < highWavelength) result[i] = (float)frequency;
            else if (wavelength > lowWavelength) result[i] = (float)(frequency / scaling.Factor);
            else
            {
                var smooth = (scaling.OriginalMaxPositionEmbeddings / wavelength - scaling.LowFrequencyFactor)
                             / (scaling.HighFrequencyFactor - scaling.LowFrequencyFactor);
                result[i] = (float)((1 - smooth) * frequency / scaling.Factor + smooth * frequency);
            }
        }
        return result;
    }
}
