using System.Text;
using System.Text.RegularExpressions;
using MedTune.Scoring;

namespace MedTune.Evaluation.Contamination;

/// <summary>
/// Train/eval overlap: which evaluation questions occur in the training text. Two tests, after normalising both
/// sides the same way (<see cref="Normalize"/>: Unicode NFKC, whitespace removed):
/// <list type="bullet">
/// <item><b>exact</b>: the question text equals a training text field (an instruction, input or output).</item>
/// <item><b>n-gram</b>: the question shares a run of <see cref="DefaultNgramLength"/> consecutive characters with a
/// training text field. A question shorter than n is tested by the exact match only.</item>
/// </list>
/// Memory is bounded by the evaluation side: the questions' n-grams go into a table (rolling 64-bit hashes, each hit
/// confirmed by comparing the characters), and the training text is streamed past it once.
/// </summary>
public static partial class ContaminationCheck
{
    /// <summary>
    /// n = 50 characters. Japanese has no spaces, so the n-grams are of characters, and one character carries about
    /// as much as half an English word: the 13-token rule of GPT-3's contamination study read as 13 characters
    /// matches stock exam phrases («について誤っているのはどれか»). Measured on IgakuQA 2018–2022 and JJSIMQA (2460
    /// questions, all distinct), the share of questions that share an n-gram with a question of <em>another</em> exam
    /// or set, i.e. boilerplate rather than leakage, is 65% at n = 13, 36% at n = 20, 18% at n = 32 and 3.7% at
    /// n = 50, where what remains are long stock sentences of clinical vignettes («心音と呼吸音とに異常を認めない。
    /// 腹部は平坦、軟で、肝・脾を触知しない»). 50 characters is also the substring length of GPT-4's contamination
    /// check, and shorter than the median question (86 characters), so a copied question stem is found even when
    /// its wording was changed elsewhere.
    /// </summary>
    public const int DefaultNgramLength = 50;

    /// <summary>Bump when the normalisation or the matching changes (it is part of the contamination stage's key).</summary>
    public const int Version = 1;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>NFKC (full-width letters and digits to ASCII, half-width kana to full-width), whitespace removed.</summary>
    public static string Normalize(string text) => Whitespace().Replace(text.Normalize(NormalizationForm.FormKC), "");

    /// <summary>Measures one evaluation set against all training text.</summary>
    /// <param name="dataset">The evaluation set's report name.</param>
    /// <param name="questions">The questions that are evaluated (after filters).</param>
    /// <param name="trainingTexts">Every text field of every training record; read once.</param>
    public static DatasetContamination Measure(string dataset, IReadOnlyList<ExamQuestion> questions, IEnumerable<string> trainingTexts,
        int ngramLength = DefaultNgramLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ngramLength, 8);
        var texts = questions.Select(q => Normalize(q.Text)).ToArray();
        var byText = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < texts.Length; i++)
        {
            if (texts[i].Length == 0) continue;
            if (!byText.TryGetValue(texts[i], out var list)) byText[texts[i]] = list = [];
            list.Add(i);
        }
        var grams = new Dictionary<ulong, List<(int Question, int Offset)>>();
        for (var q = 0; q < texts.Length; q++)
        {
            var hashes = RollingHashes(texts[q], ngramLength);
            for (var offset = 0; offset < hashes.Length; offset++)
            {
                if (!grams.TryGetValue(hashes[offset], out var list)) grams[hashes[offset]] = list = [];
                list.Add((q, offset));
            }
        }

        var exact = new bool[texts.Length];
        var ngram = new bool[texts.Length];
        foreach (var raw in trainingTexts)
        {
            var text = Normalize(raw);
            if (byText.TryGetValue(text, out var same)) foreach (var q in same) exact[q] = true;
            if (grams.Count == 0) continue;
            var hashes = RollingHashes(text, ngramLength);
            for (var offset = 0; offset < hashes.Length; offset++)
            {
                if (!grams.TryGetValue(hashes[offset], out var candidates)) continue;
                var gram = text.AsSpan(offset, ngramLength);
                foreach (var (q, at) in candidates)
                    if (!ngram[q] && texts[q].AsSpan(at, ngramLength).SequenceEqual(gram)) ngram[q] = true;
            }
        }

        var exactIds = new List<string>();
        var ngramIds = new List<string>();
        var contaminated = 0;
        for (var q = 0; q < texts.Length; q++)
        {
            if (exact[q]) exactIds.Add(questions[q].ProblemId);
            else if (ngram[q]) ngramIds.Add(questions[q].ProblemId);
            if (exact[q] || ngram[q]) contaminated++;
        }
        return new DatasetContamination
        {
            Dataset = dataset,
            Questions = questions.Count,
            Contaminated = contaminated,
            ExactMatches = exactIds.Count,
            NgramOnlyMatches = ngramIds.Count,
            NgramLength = ngramLength,
            ExactIds = exactIds,
            NgramOnlyIds = ngramIds,
        };
    }

    /// <summary>Polynomial hash (mod 2^64) of every window of <paramref name="n"/> UTF-16 code units; empty when the text is shorter.</summary>
    private static ulong[] RollingHashes(string text, int n)
    {
        if (text.Length < n) return [];
        const ulong Base = 1_000_003;
        ulong power = 1;
        for (var i = 1; i < n; i++) power *= Base;
        var hashes = new ulong[text.Length - n + 1];
        ulong hash = 0;
        for (var i = 0; i < n; i++) hash = hash * Base + text[i];
        hashes[0] = hash;
        for (var i = n; i < text.Length; i++)
        {
            hash = (hash - text[i - n] * power) * Base + text[i];
            hashes[i - n + 1] = hash;
        }
        return hashes;
    }
}

/// <summary>How many questions of one evaluation set occur in the training data, and which.</summary>
public sealed record DatasetContamination
{
    public required string Dataset { get; init; }
    public required int Questions { get; init; }
    /// <summary>Questions found by either test.</summary>
    public required int Contaminated { get; init; }
    /// <summary>Questions whose whole (normalised) text is a training text field.</summary>
    public required int ExactMatches { get; init; }
    /// <summary>Questions that are not exact matches but share an n-gram with the training text.</summary>
    public required int NgramOnlyMatches { get; init; }
    public required int NgramLength { get; init; }
    public IReadOnlyList<string> ExactIds { get; init; } = [];
    public IReadOnlyList<string> NgramOnlyIds { get; init; } = [];

    /// <summary>The plain sentence reports show, e.g. "40 of 40 evaluation questions occur in the training data".</summary>
    public string Sentence =>
        $"{Contaminated} of {Questions} evaluation questions occur in the training data"
        + (Contaminated == 0 ? "" : $" ({ExactMatches} exactly, {NgramOnlyMatches} by a shared {NgramLength}-character run)");
}
