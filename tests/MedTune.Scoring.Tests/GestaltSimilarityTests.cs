namespace MedTune.Scoring.Tests;

public class GestaltSimilarityTests
{
    [Fact]
    public void Both_empty_is_one_and_one_empty_is_zero()
    {
        Assert.Equal(1.0, GestaltSimilarity.Ratio("", ""));
        Assert.Equal(0.0, GestaltSimilarity.Ratio("", "abc"));
        Assert.Equal(0.0, GestaltSimilarity.Ratio("abc", ""));
    }

    [Fact]
    public void Counts_code_points_not_utf16_units()
    {
        // "𠮷" is one code point but two UTF-16 units: M = 2 of 3 + 3 code points.
        Assert.Equal(2.0 * 2 / 6, GestaltSimilarity.Ratio("𠮷野家", "吉野家"));
        Assert.Equal(3, CodePoints.Count("𠮷野家"));
    }

    [Fact]
    public void Known_difflib_examples()
    {
        // difflib documentation: SequenceMatcher(None, "abcd", "bcde").ratio() == 0.75
        Assert.Equal(0.75, GestaltSimilarity.Ratio("abcd", "bcde"));
        // Recursion on both sides of the longest block: "ab" + "d" match -> 2*3/9.
        Assert.Equal(2.0 * 3 / 9, GestaltSimilarity.Ratio("abxd", "abyyd"));
    }

    [Fact]
    public void Tie_breaking_makes_the_ratio_asymmetric()
    {
        // python3 difflib: ratio("tide", "diet") == 0.25 but ratio("diet", "tide") == 0.5.
        Assert.Equal(0.25, GestaltSimilarity.Ratio("tide", "diet"));
        Assert.Equal(0.5, GestaltSimilarity.Ratio("diet", "tide"));
    }

    [Fact]
    public void Autojunk_popular_characters_cannot_start_a_match_in_long_b()
    {
        // b has 200 code points, 'x' occurs 199 times (> 1 + 200/100): popular, removed from the index.
        // "xy" can then only match via 'y' and the extension to its left.
        string b = new string('x', 199) + "y";
        Assert.Equal(2.0 * 2 / 202, GestaltSimilarity.Ratio("xy", b));
        // A popular character in both and nothing else in common: no match can start, M = 0 ...
        Assert.Equal(0.0, GestaltSimilarity.Ratio("ax", "b" + new string('x', 199) + "c"));
        // ... but with b one shorter than 200 there is no autojunk and 'x' matches.
        Assert.Equal(2.0 * 1 / 201, GestaltSimilarity.Ratio("ax", "b" + new string('x', 197) + "c"));
        // difflib extends even the empty match at (alo, blo) over equal elements: "x" vs 200 'x' gives M = 1.
        Assert.Equal(2.0 * 1 / 201, GestaltSimilarity.Ratio("x", new string('x', 200)));
    }
}
