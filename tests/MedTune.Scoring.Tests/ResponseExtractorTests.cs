namespace MedTune.Scoring.Tests;

public class ResponseExtractorTests
{
    private static readonly string[] Marker = { "### 応答：" };

    [Fact]
    public void Takes_the_text_after_the_first_marker()
    {
        Assert.Equal("酸素欠乏症", ResponseExtractor.Extract("前置き\n### 応答：\n酸素欠乏症\n### 応答：\n違う", Marker));
    }

    [Fact]
    public void With_several_marker_spellings_the_earliest_occurrence_wins()
    {
        string[] markers = { "### 応答：", "### 応答:", "応答" };
        Assert.Equal("b", ResponseExtractor.Extract("x\n### 応答:\nb\n### 応答：\nc", markers));
        Assert.Equal("c", ResponseExtractor.Extract("### 応答：c", markers)); // the longer marker at the same position
    }

    [Fact]
    public void Without_a_marker_in_the_continuation_takes_its_first_non_empty_line()
    {
        Assert.Equal("硫化水素中毒", ResponseExtractor.Extract("\n\n   硫化水素中毒  \n次", Marker));
        Assert.Equal("a", ResponseExtractor.Extract("  a\r\nb", Array.Empty<string>()));
    }

    [Fact]
    public void Few_shot_answers_in_the_prompt_are_not_picked_up_because_only_the_continuation_is_scanned()
    {
        string prompt = "### 指示：…\n### 応答：\n酸素欠乏症,硫化水素中毒\n\n### 指示：…\n### 応答：\n";
        string continuation = "腎低形成\n### 指示：";
        Assert.Equal("腎低形成", ResponseExtractor.Extract(continuation, Marker));
        // Passing prompt + continuation would be wrong: the first marker belongs to the example.
        Assert.Equal("酸素欠乏症,硫化水素中毒", ResponseExtractor.Extract(prompt + continuation, Marker));
    }

    [Fact]
    public void Strips_python_white_space_including_ideographic_space()
    {
        Assert.Equal("答え", ResponseExtractor.Extract("\u3000答え\u3000\n", Marker));
        Assert.Equal("", ResponseExtractor.Extract(" \n\t\n", Marker));
    }

    [Fact]
    public void Clean_removes_ascii_periods_only_then_strips()
    {
        Assert.Equal("入院勧告の対象となる。", ResponseExtractor.Clean(" 入院勧告の.対象となる。. "));
        Assert.Equal("12", ResponseExtractor.Clean("1.2"));
        Assert.Equal("ａ．ｂ", ResponseExtractor.Clean("ａ．ｂ")); // full-width period untouched
    }
}
