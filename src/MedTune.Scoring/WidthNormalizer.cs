using System.Text;

namespace MedTune.Scoring;

/// <summary>
/// The normalisation behind the extra <c>*_normalized</c> columns: the width-folding part of NFKC
/// plus the comma rule. Full-width ASCII (U+FF01..U+FF5E) becomes ASCII, the ideographic space
/// becomes a space, half-width katakana (U+FF61..U+FF9F, with voiced-sound marks composed) becomes
/// full-width, and <c>、</c> / <c>，</c> become <c>,</c>.
/// </summary>
/// <remarks>
/// Not full NFKC: medtune runs with invariant globalization, where .NET's <c>string.Normalize</c>
/// silently returns its input, so the folding is done here, deterministically, without ICU.
/// The strict metrics never use this.
/// </remarks>
public static class WidthNormalizer
{
    // Half-width katakana U+FF61..U+FF9F in order, mapped to their full-width forms (lone sound marks
    // become the combining marks, as NFKC does).
    private const string HalfWidthKatakanaTargets =
        "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン\u3099\u309A";

    public static string Normalize(string s)
    {
        var result = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is '、' or '，') { result.Append(','); continue; }
            if (c is >= '\uFF01' and <= '\uFF5E') { result.Append((char)(c - 0xFEE0)); continue; }
            if (c == '\u3000') { result.Append(' '); continue; }
            if (c is >= '\uFF61' and <= '\uFF9F')
            {
                char full = HalfWidthKatakanaTargets[c - '\uFF61'];
                char mark = i + 1 < s.Length ? s[i + 1] : '\0';
                if (mark == '\uFF9E' && TryCompose(full, voiced: true, out char composed)) { result.Append(composed); i++; continue; }
                if (mark == '\uFF9F' && TryCompose(full, voiced: false, out composed)) { result.Append(composed); i++; continue; }
                result.Append(full == '、' ? ',' : full);
                continue;
            }
            result.Append(c);
        }
        return result.ToString();
    }

    /// <summary>Letter-answer normalisation: width folding as above, then trimmed and lower-cased.</summary>
    public static string NormalizeLetters(string s) => PythonText.Strip(Normalize(s)).ToLowerInvariant();

    // Full-width kana with a dakuten (voiced) or handakuten (semi-voiced) form sit right after the base
    // character in Unicode (カ U+30AB -> ガ U+30AC; ハ U+30CF -> バ U+30D0 -> パ U+30D1); ウ -> ヴ is the odd one.
    private static bool TryCompose(char baseKana, bool voiced, out char composed)
    {
        composed = '\0';
        if (voiced)
        {
            if (baseKana == 'ウ') { composed = 'ヴ'; return true; }
            if (baseKana is (>= 'カ' and <= 'ト') && IsVoiceable(baseKana)) { composed = (char)(baseKana + 1); return true; }
            if (baseKana is 'ハ' or 'ヒ' or 'フ' or 'ヘ' or 'ホ') { composed = (char)(baseKana + 1); return true; }
            if (baseKana == 'ワ') { composed = 'ヷ'; return true; }
            if (baseKana == 'ヲ') { composed = 'ヺ'; return true; }
            return false;
        }
        if (baseKana is 'ハ' or 'ヒ' or 'フ' or 'ヘ' or 'ホ') { composed = (char)(baseKana + 2); return true; }
        return false;
    }

    // カ..ト: the voiceable ones are カキクケコサシスセソタチツテト (small ッ is not).
    private static bool IsVoiceable(char kana) => "カキクケコサシスセソタチツテト".Contains(kana);
}
