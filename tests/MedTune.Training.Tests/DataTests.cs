using MedTune.Manifest;
using MedTune.Testing;

namespace MedTune.Training.Tests;

public class DataTests
{
    [Fact]
    public void Japanese_templates_are_the_papers_text()
    {
        Assert.Equal(
            "以下は、タスクを説明する指示と、文脈のある入力の組み合わせです。要求を適切に満たす応答を書きなさい。\n\n### 指示：\n質問{x}\n\n### 入力：\n文脈\n\n### 応答：\n",
            PromptTemplates.Format("alpaca_ja", "質問{x}", "文脈"));
        Assert.Equal(
            "以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。\n\n### 指示：\n質問\n\n### 応答：\n",
            PromptTemplates.Format("alpaca_ja", "質問", ""));
        Assert.StartsWith("Below is an instruction", PromptTemplates.Format("alpaca_en", "q", null));
        Assert.Throws<ArgumentException>(() => PromptTemplates.Format("vicuna", "q", null));
    }

    [Fact]
    public void Reads_alpaca_jsonl()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("a.jsonl"), """
            {"instruction": "症状は？", "input": "発熱", "output": "感染症の疑い"}

            {"instruction": "略語", "output": "CRP"}
            """);
        var result = InstructionDatasetReader.Read(new DatasetSpec { Path = dir.File("a.jsonl") });
        Assert.Equal(2, result.Examples.Count);
        Assert.Equal(new InstructionExample("略語", "", "CRP", dir.File("a.jsonl") + ":3"), result.Examples[1]);
    }

    [Theory]
    [InlineData("""{"instruction": "q", "output": ""}""", "field 'output' is empty")]
    [InlineData("""{"instruction": "q"}""", "field 'output' is missing")]
    [InlineData("""{"instruction": "q", "output": 3}""", "field 'output' is missing or not a string")]
    [InlineData("""{"instruction": "q", "output": "a" """, "not valid JSON")]
    [InlineData("""["q", "a"]""", "expected a JSON object")]
    public void Bad_records_are_reported_with_file_and_line(string badLine, string expected)
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.jsonl");
        File.WriteAllText(path, "{\"instruction\": \"ok\", \"output\": \"fine\"}\n" + badLine + "\n");
        var error = Assert.Throws<DatasetException>(() => InstructionDatasetReader.Read(new DatasetSpec { Path = path }));
        Assert.StartsWith(path + ":2: ", error.Message);
        Assert.Contains(expected, error.Message);

        var skipped = InstructionDatasetReader.Read(new DatasetSpec { Path = path, SkipInvalid = true });
        Assert.Single(skipped.Examples);
        Assert.StartsWith(path + ":2: ", Assert.Single(skipped.Skipped));
    }

    [Fact]
    public void Invalid_utf8_is_reported_with_file_and_line()
    {
        using var dir = new TempDirectory();
        var path = dir.File("latin1.jsonl");
        var good = "{\"instruction\": \"ok\", \"output\": \"fine\"}\n"u8.ToArray();
        byte[] bad = [.. "{\"instruction\": \"caf"u8, 0xE9, .. "\", \"output\": \"x\"}\n"u8];
        File.WriteAllBytes(path, [.. good, .. good, .. bad]);
        var error = Assert.Throws<DatasetException>(() => InstructionDatasetReader.Read(new DatasetSpec { Path = path }));
        Assert.Equal(path + ":3: the line is not valid UTF-8.", error.Message);
    }

    [Fact]
    public void Missing_file_and_unknown_format_are_clear_errors()
    {
        using var dir = new TempDirectory();
        Assert.Contains("not found", Assert.Throws<DatasetException>(() => InstructionDatasetReader.Read(new DatasetSpec { Path = dir.File("none.jsonl") })).Message);
        File.WriteAllText(dir.File("a.jsonl"), """{"instruction": "q", "output": "a"}""");
        Assert.Contains("format 'csv' is unknown", Assert.Throws<DatasetException>(() => InstructionDatasetReader.Read(new DatasetSpec { Path = dir.File("a.jsonl"), Format = "csv" })).Message);
    }

    [Fact]
    public void Exam_records_become_question_options_and_answer_texts()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("112-A.jsonl"), """
            {"problem_id": "112A1", "problem_text": "正しいのはどれか。2つ選べ。", "choices": ["肝臓", "腎臓", "脾臓"], "text_only": true, "answer": ["a", "c"], "points": "1"}
            {"problem_id": "112A2", "problem_text": "計算せよ。", "choices": [], "text_only": true, "answer": ["26"], "points": "1"}
            {"problem_id": "112A3", "problem_text": "どれか。", "choices": ["x", "y"], "text_only": true, "answer": ["e"], "points": "1"}
            """);
        File.WriteAllText(dir.File("112-A_metadata.jsonl"), """{"problem_id": "112A1"}""");
        var result = InstructionDatasetReader.Read(new DatasetSpec { Path = dir.Path, Format = "exam", SkipInvalid = true });
        Assert.Equal(2, result.Examples.Count);
        Assert.Equal(("正しいのはどれか。2つ選べ。", "a: 肝臓\nb: 腎臓\nc: 脾臓", "肝臓,脾臓"), (result.Examples[0].Instruction, result.Examples[0].Input, result.Examples[0].Output));
        Assert.Equal("26", result.Examples[1].Output);
        Assert.Contains("112-A.jsonl:3: answer 'e' is not one of the 2 options", Assert.Single(result.Skipped));
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Reads_real_igakuqa_questions_when_the_shared_data_is_present()
    {
        var result = InstructionDatasetReader.Read(new DatasetSpec { Path = SharedData.Require("igakuqa", "2018"), Format = "exam" });
        Assert.True(result.Examples.Count >= 300, $"{result.Examples.Count} questions");
        Assert.All(result.Examples, e => Assert.False(string.IsNullOrWhiteSpace(e.Output)));
    }

    [Fact]
    public void Exam_filters_keep_text_only_five_choice_questions_of_chosen_years_and_sections()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "2018"));
        Directory.CreateDirectory(Path.Combine(dir.Path, "2019"));
        string Question(string id, bool textOnly, int choices) => new System.Text.Json.Nodes.JsonObject
        {
            ["problem_id"] = id, ["problem_text"] = "問" + id, ["text_only"] = textOnly, ["answer"] = new System.Text.Json.Nodes.JsonArray("a"),
            ["choices"] = new System.Text.Json.Nodes.JsonArray(Enumerable.Range(0, choices).Select(i => (System.Text.Json.Nodes.JsonNode)("c" + i)).ToArray()),
        }.ToJsonString();
        File.WriteAllLines(Path.Combine(dir.Path, "2018", "112-A.jsonl"), [Question("1", true, 5), Question("2", false, 5), Question("3", true, 4), Question("4", true, 5)]);
        File.WriteAllLines(Path.Combine(dir.Path, "2018", "112-B.jsonl"), [Question("5", true, 5)]);
        File.WriteAllLines(Path.Combine(dir.Path, "2019", "113-A.jsonl"), [Question("6", true, 5)]);

        DatasetSpec Spec(DatasetFilters filters) => new() { Path = dir.Path, Format = "exam", Filters = filters };
        var filtered = InstructionDatasetReader.Read(Spec(new DatasetFilters { TextOnly = true, Choices = 5, Years = [2018], Sections = ["A"] }));
        Assert.Equal(["問1", "問4"], filtered.Examples.Select(e => e.Instruction));
        var limited = InstructionDatasetReader.Read(Spec(new DatasetFilters { Sections = ["112-B", "113-A"], Limit = 1 }));
        Assert.Equal(["問5"], limited.Examples.Select(e => e.Instruction));
    }

    [Fact]
    public void Encoder_masks_the_prompt_appends_eos_and_counts_truncation()
    {
        var tokenizer = new CharTokenizer();
        var examples = new[] { new InstructionExample("ab", "", "xyz", "t:1"), new InstructionExample(new string('q', 200), "", "r", "t:2") };
        var encoder = new ExampleEncoder(tokenizer, PromptTemplates.AlpacaEn, maxSeqLength: 150, TrainOn.Response);
        var result = encoder.Encode(examples);
        var first = Assert.Single(result.Examples);
        var promptLength = tokenizer.Encode(PromptTemplates.Format("alpaca_en", "ab", ""), true).Count;
        Assert.Equal(promptLength + 4, first.InputIds.Length);
        Assert.Equal(tokenizer.EosId, first.InputIds[^1]);
        Assert.All(first.Labels[..promptLength], l => Assert.Equal(-100, l));
        Assert.Equal(first.InputIds[promptLength..], first.Labels[promptLength..]);
        Assert.Equal(1, result.TruncatedCount);
        Assert.Equal(["t:2"], result.DroppedSources);

        var all = new ExampleEncoder(tokenizer, PromptTemplates.AlpacaEn, 150, TrainOn.All).Encode(examples.Take(1)).Examples[0];
        Assert.Equal(all.InputIds, all.Labels);
    }

    [Fact]
    public void Shuffle_is_a_seeded_permutation_per_epoch()
    {
        var epoch0 = DataOrder.Permutation(50, seed: 42, epoch: 0);
        Assert.Equal(Enumerable.Range(0, 50), epoch0.Order());
        Assert.Equal(epoch0, DataOrder.Permutation(50, 42, 0));
        Assert.NotEqual(epoch0, DataOrder.Permutation(50, 42, 1));
        Assert.NotEqual(epoch0, DataOrder.Permutation(50, 43, 0));
        // Pinned so that a change of generator (which would change every trained adapter) is noticed.
        Assert.Equal([0, 5, 7, 8, 1, 2, 9, 6, 4, 3], DataOrder.Permutation(10, 42, 0));
    }

    [Fact]
    public void Batches_are_right_padded_with_mask_and_ignored_labels()
    {
        var examples = new[] { new TokenizedExample([1, 5, 6], [-100, 5, 6], "a"), new TokenizedExample([1, 7], [-100, 7], "b") };
        using var batch = BatchCollator.Collate(examples, padId: 0, TorchSharp.torch.CPU);
        Assert.Equal([1L, 5, 6, 1, 7, 0], batch.InputIds.data<long>().ToArray());
        Assert.Equal([1L, 1, 1, 1, 1, 0], batch.AttentionMask.data<long>().ToArray());
        Assert.Equal([-100L, 5, 6, -100, 7, -100], batch.Labels.data<long>().ToArray());
        Assert.Equal(5, batch.TokenCount);
    }
}
