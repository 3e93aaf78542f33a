using MedTune.Manifest;
using MedTune.Testing;

namespace MedTune.Scoring.Tests;

public class ExamQuestionReaderTests
{
    [Fact]
    [Trait("Category", "SharedData")]
    public void IgakuQa_2018_to_2022_has_2000_questions_and_1455_text_only_with_five_choices()
    {
        var all = ExamQuestionReader.Read(TestData.IgakuQaDirectory);
        Assert.Equal(2000, all.Count);
        Assert.Equal(2000, all.TotalRead);

        var usual = ExamQuestionReader.Read(TestData.IgakuQaDirectory, new DatasetFilters { TextOnly = true, Choices = 5 });
        Assert.Equal(1455, usual.Count);
        Assert.Equal("text_only, 5 choices: 1455 of 2000 questions", usual.FilterDescription);
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Directory_reading_skips_metadata_translation_and_fewshot_files_and_is_ordered()
    {
        var all = TestData.IgakuQa;
        Assert.DoesNotContain(all, q => q.ProblemId.StartsWith("100", StringComparison.Ordinal)); // fewshot-prompt.jsonl
        Assert.Equal("112A1", all[0].ProblemId);
        Assert.Equal("116F75", all[^1].ProblemId);
        var order = all.Select(q => (Path.GetRelativePath(TestData.IgakuQaDirectory, q.SourceFile), q.SourceLine)).ToList();
        Assert.Equal(order.OrderBy(o => o.Item1, StringComparer.Ordinal).ThenBy(o => o.SourceLine), order);
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Questions_carry_year_section_category_and_points()
    {
        var q = TestData.IgakuQa.Single(q => q.ProblemId == "112A1");
        Assert.Equal(2018, q.Year);
        Assert.Equal("112-A", q.Section);
        Assert.Equal("小児科", q.Category);
        Assert.Equal(1.0, q.Points);
        Assert.Equal(new[] { "e" }, q.Answer);
        Assert.Equal(5, q.Choices.Count);
        Assert.Equal(3.0, TestData.IgakuQa.Single(q => q.ProblemId == "112B30").Points);
        Assert.Equal(new[] { "26" }, TestData.IgakuQa.Single(q => q.ProblemId == "112C66").Answer);
        Assert.All(TestData.IgakuQa, q => Assert.NotNull(q.Category));
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Points_may_be_a_number_and_are_optional()
    {
        Assert.All(TestData.JjsimQa, q => Assert.Equal(1.0, q.Points));
        var fewshot = ExamQuestionReader.Read(SharedData.Require("igakuqa", "fewshot-prompt.jsonl"));
        Assert.Equal(3, fewshot.Count);
        Assert.All(fewshot, q => Assert.Null(q.Points));
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Jjsimqa_stray_comma_in_an_answer_is_dropped_and_reported()
    {
        var set = ExamQuestionReader.Read(SharedData.Require("jjsimqa", "jjsimqa.jsonl"));
        Assert.Equal(460, set.Count);
        Assert.Equal(new[] { "d", "e" }, set.Single(q => q.ProblemId == "107_888-26").Answer);
        var warning = Assert.Single(set.Warnings);
        Assert.Contains("jjsimqa.jsonl:27", warning);
        Assert.Contains("107_888-26", warning);
    }

    [Theory]
    [InlineData(new[] { 2018 }, new string[0], 400)]
    [InlineData(new[] { 2019, 2022 }, new string[0], 800)]
    [InlineData(new int[0], new[] { "112-A" }, 75)]
    [InlineData(new int[0], new[] { "A" }, 375)]
    [InlineData(new[] { 2020 }, new[] { "b", "114-C" }, 125)]
    [Trait("Category", "SharedData")]
    public void Year_and_section_filters(int[] years, string[] sections, int expected)
    {
        var set = ExamQuestionReader.Read(TestData.IgakuQaDirectory, new DatasetFilters { Years = years.ToList(), Sections = sections.ToList() });
        Assert.Equal(expected, set.Count);
        if (years.Length > 0) Assert.All(set, q => Assert.Contains(q.Year!.Value, years));
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Limit_keeps_the_first_questions_after_filtering()
    {
        var set = ExamQuestionReader.Read(TestData.IgakuQaDirectory, new DatasetFilters { TextOnly = false, Limit = 3 });
        Assert.Equal(3, set.Count);
        Assert.All(set, q => Assert.False(q.TextOnly));
        Assert.Equal(TestData.IgakuQa.Where(q => !q.TextOnly).Take(3).Select(q => q.ProblemId), set.Select(q => q.ProblemId));
        Assert.Equal("text_only=false, first 3: 3 of 2000 questions", set.FilterDescription);
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void A_single_igakuqa_section_file_gets_its_year_and_metadata()
    {
        var set = ExamQuestionReader.Read(SharedData.Require("igakuqa", "2018", "112-A.jsonl"));
        Assert.Equal(75, set.Count);
        Assert.All(set, q => Assert.Equal((2018, "112-A"), (q.Year!.Value, q.Section!)));
        Assert.All(set, q => Assert.NotNull(q.Category));
    }

    [Fact]
    public void Bad_metadata_lines_name_the_metadata_file_and_line()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("116-B.jsonl"), Line("116B1") + "\n");
        File.WriteAllText(dir.File("116-B_metadata.jsonl"), "{\"problem_id\": \"116B1\", \"category\": \"内科\"}\n{\"category\": \"x\"}\n");
        var e = Assert.Throws<ExamDataException>(() => ExamQuestionReader.Read(dir.Path));
        Assert.Contains(dir.File("116-B_metadata.jsonl") + ":2:", e.Message);
    }

    [Fact]
    public void A_section_file_outside_a_year_directory_gets_its_year_from_the_exam_number()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("116-B.jsonl"), Line("116B1") + "\n");
        var q = Assert.Single(ExamQuestionReader.Read(dir.Path));
        Assert.Equal(2022, q.Year);
        Assert.Equal("116-B", q.Section);
        Assert.Null(q.Category);
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Single_file_without_layout_has_no_year_and_a_section_from_the_problem_id()
    {
        var denqa = ExamQuestionReader.Read(SharedData.Require("denqa", "denqa.jsonl"));
        // 21 DenQA questions have "answer": "NA" (no official answer): skipped and reported.
        Assert.Equal(699, denqa.Count);
        Assert.Equal(21, denqa.Warnings.Count);
        Assert.Contains(denqa.Warnings, w => w.Contains("denqa.jsonl:85: question 116A85 has no gold answer"));
        Assert.All(denqa, q => Assert.Null(q.Year));
        Assert.Equal("116-A", denqa[0].Section);
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("{\"problem_text\": \"x\", \"choices\": [], \"answer\": [\"1\"]}", "\"problem_id\"")]
    [InlineData("{\"problem_id\": \"1\", \"problem_text\": \"x\", \"choices\": [\"p\", \"q\"], \"answer\": [\"c\"]}", "answer 'c' is not a letter a-b")]
    [InlineData("{\"problem_id\": \"1\", \"problem_text\": \"x\", \"choices\": [\"p\"], \"answer\": [\"a\"], \"points\": \"many\"}", "\"points\"")]
    [InlineData("{\"problem_id\": \"1\", \"problem_text\": \"x\", \"choices\": \"p\", \"answer\": [\"a\"]}", "\"choices\" must be a list of strings")]
    public void Bad_lines_name_the_file_and_line(string badLine, string expectedText)
    {
        using var dir = new TempDirectory();
        string file = dir.File("questions.jsonl");
        File.WriteAllText(file, Line("q1") + "\n\n" + badLine + "\n");
        var e = Assert.Throws<ExamDataException>(() => ExamQuestionReader.Read(file));
        Assert.Contains(file + ":3:", e.Message);
        Assert.Contains(expectedText, e.Message);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void Skip_invalid_reports_instead_of_failing()
    {
        using var dir = new TempDirectory();
        string file = dir.File("questions.jsonl");
        File.WriteAllText(file, Line("q1") + "\n{oops\n" + Line("q2") + "\n");
        var set = ExamQuestionReader.Read(file, skipInvalid: true);
        Assert.Equal(new[] { "q1", "q2" }, set.Select(q => q.ProblemId));
        Assert.Contains(":2:", Assert.Single(set.Warnings));
    }

    [Fact]
    public void Duplicate_problem_ids_are_an_error_naming_both_places()
    {
        using var dir = new TempDirectory();
        string file = dir.File("questions.jsonl");
        File.WriteAllText(file, Line("q1") + "\n" + Line("q1") + "\n");
        var e = Assert.Throws<ExamDataException>(() => ExamQuestionReader.Read(file));
        Assert.Contains(":2:", e.Message);
        Assert.Contains(file + ":1", e.Message);
    }

    [Fact]
    public void Missing_path_and_directory_without_question_files_are_explained()
    {
        using var dir = new TempDirectory();
        Assert.Contains("no such file or directory", Assert.Throws<ExamDataException>(() => ExamQuestionReader.Read(dir.File("nope"))).Message);
        File.WriteAllText(dir.File("data.jsonl"), Line("q1"));
        var layout = Assert.Throws<ExamDataException>(() => ExamQuestionReader.Read(dir.Path)).Message;
        Assert.Contains("every NNN-X.jsonl below it", layout);
        Assert.Contains("It holds data.jsonl", layout); // names what it found, and how to use it
        Assert.Contains("point the path at one file", layout);
    }

    private static string Line(string id) =>
        $"{{\"problem_id\": \"{id}\", \"problem_text\": \"問題\", \"choices\": [\"甲\", \"乙\"], \"text_only\": true, \"answer\": [\"a\"], \"points\": \"1\"}}";
}
