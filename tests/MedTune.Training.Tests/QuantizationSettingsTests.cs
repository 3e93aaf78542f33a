using MedTune.Manifest;
using MedTune.Models.Quantization;

namespace MedTune.Training.Tests;

/// <summary>What <c>validate</c> accepts for <c>model.quantization</c> is what the quantizer in MedTune.Models can do.</summary>
public sealed class QuantizationSettingsTests
{
    [Fact]
    public void Validate_accepts_exactly_the_block_sizes_the_quantizer_supports() =>
        Assert.Equal(QuantizationOptions.SupportedBlockSizes, QuantizationSection.BlockSizes);
}
