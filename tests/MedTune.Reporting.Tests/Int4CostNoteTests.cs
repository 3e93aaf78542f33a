using MedTune.Testing;

namespace MedTune.Reporting.Tests;

public class Int4CostNoteTests
{
    [Fact]
    public void Reads_the_export_stages_int4_cost_into_one_report_line()
    {
        using var dir = new TempDirectory();
        Assert.Null(Int4CostNote.TryRead(dir.Path, "tuned"));
        File.WriteAllText(dir.File(Int4CostNote.FileName), """
            {"reference": "fp32", "prompt_set": "builtin", "prompts": 8, "positions": 180, "max_logit_difference": 0.41234,
             "greedy_agreement": 0.9444444, "reference_perplexity": 12.3456, "int4_perplexity": 12.9, "perplexity_change": 0.5544}
            """);
        Assert.Equal(
            "tuned model exported as int4 (MatMulNBits): against fp32 on 8 prompts (builtin), largest logit difference 0.4123, " +
            "greedy-token agreement 94.4% of 180 positions, perplexity 12.346 → 12.9 (+0.554).",
            Int4CostNote.TryRead(dir.Path, "tuned"));
    }

    [Fact]
    public void Says_when_the_cost_was_not_measured() =>
        Assert.Equal("tuned model exported as int4 (MatMulNBits); its cost against the unquantized model was not measured (export.int4_cost: false).",
            Int4CostNote.NotMeasured("tuned"));
}
