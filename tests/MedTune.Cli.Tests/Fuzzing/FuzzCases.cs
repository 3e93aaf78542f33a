using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MedTune.Cli.Tests.Fuzzing;

/// <summary>
/// The seeded generator of bad-input cases (issue 12 item 4): mutations of the quickstart manifest (renamed, retyped and
/// deleted keys, broken YAML, anchors and aliases, huge values, odd Unicode), of its JSON-lines data (broken lines, BOM,
/// CRLF, invalid UTF-8, empty files, a 10 MB line, missing fields, wrong types) and of a local model directory
/// (truncated safetensors, config.json with wrong types, tokenizer.json with bad ids). Same seed → same cases.
/// </summary>
public static partial class FuzzCases
{
    private const string Manifest = "quickstart.yaml";
    private const string Train = "quickstart/instructions.jsonl";
    private const string Exam = "quickstart/exam.jsonl";

    private delegate FuzzCase Family(int index, Random random, string quickstartYaml);

    private static readonly (string Name, Family Make)[] Families =
    [
        ("manifest-rename-key", RenameKey), ("manifest-retype-scalar", RetypeScalar), ("manifest-delete-key", DeleteKey),
        ("manifest-broken-yaml", BrokenYaml), ("manifest-alias", Aliases), ("manifest-huge-value", HugeValue),
        ("manifest-unicode", OddUnicode),
        ("data-broken-line", BrokenJsonLine), ("data-bom-crlf", BomOrCrlf), ("data-invalid-utf8", InvalidUtf8),
        ("data-empty", EmptyFile), ("data-10mb-line", TenMegabyteLine), ("data-missing-field", MissingField),
        ("data-wrong-type", WrongType), ("data-not-an-object", NotAnObject),
        ("model-truncated-safetensors", TruncatedSafetensors), ("model-config-wrong-type", ConfigWrongType),
        ("model-tokenizer-bad-ids", TokenizerBadIds),
    ];

    public static IEnumerable<FuzzCase> Generate(int seed, int count, string quickstartYaml)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var (_, make) = Families[random.Next(Families.Length)];
            yield return make(i, random, quickstartYaml);
        }
    }

    // ---- manifest ----------------------------------------------------------------------------------------------

    [GeneratedRegex(@"^(?<indent>\s*(?:-\s+)?)(?<key>[a-z_]+):(?<rest>.*)$")]
    private static partial Regex KeyLine();

    /// <summary>Line numbers (0-based) of the manifest's key lines, optionally only those with a scalar value.</summary>
    private static int[] KeyLines(string yaml, bool scalarOnly)
    {
        var lines = yaml.Split('\n');
        return Enumerable.Range(0, lines.Length).Where(i =>
        {
            var m = KeyLine().Match(lines[i]);
            if (!m.Success) return false;
            var value = StripComment(m.Groups["rest"].Value).Trim();
            return !scalarOnly || (value.Length > 0 && !value.StartsWith('['));
        }).ToArray();
    }

    private static string StripComment(string value) => value.Split(" #")[0];

    private static FuzzCase EditManifest(int index, string family, string description, Expectation expect, Func<string[], string[]> edit) =>
        new(index, family, description, expect, Manifest, false, dir =>
        {
            var path = Path.Combine(dir, Manifest);
            File.WriteAllText(path, string.Join('\n', edit(File.ReadAllText(path).Split('\n'))));
        });

    private static FuzzCase RenameKey(int index, Random random, string yaml)
    {
        var line = Pick(random, KeyLines(yaml, scalarOnly: false));
        var suffix = Pick(random, ["x", "_", "s", "2", "Ä", "ー"]);
        return EditManifest(index, "manifest-rename-key", $"line {line + 1}: key + '{suffix}'", Expectation.MustFail, lines =>
        {
            lines[line] = KeyLine().Replace(lines[line], m => $"{m.Groups["indent"].Value}{m.Groups["key"].Value}{suffix}:{m.Groups["rest"].Value}");
            return lines;
        });
    }

    private static FuzzCase RetypeScalar(int index, Random random, string yaml)
    {
        var line = Pick(random, KeyLines(yaml, scalarOnly: true));
        var replacement = Pick(random, ["{x: 1}", "{}", "[[1, 2], 3]", "{base: {nested: [1]}}"]);
        return EditManifest(index, "manifest-retype-scalar", $"line {line + 1}: value → {replacement}", Expectation.MustFail, lines =>
        {
            lines[line] = KeyLine().Replace(lines[line], m => $"{m.Groups["indent"].Value}{m.Groups["key"].Value}: {replacement}");
            return lines;
        });
    }

    /// <summary>Deleting a key may leave a valid manifest (defaults), so either outcome is allowed; never a crash.</summary>
    private static FuzzCase DeleteKey(int index, Random random, string yaml)
    {
        var line = Pick(random, KeyLines(yaml, scalarOnly: true));
        return EditManifest(index, "manifest-delete-key", $"line {line + 1} deleted", Expectation.MayPass, lines =>
            lines.Where((_, i) => i != line).ToArray());
    }

    private static FuzzCase BrokenYaml(int index, Random random, string yaml)
    {
        // Comments are dropped first: text appended after a '#' would still be a valid manifest.
        var lines = yaml.Split('\n').Select(l => StripComment(l).TrimEnd()).ToArray();
        var at = Pick(random, KeyLines(yaml, scalarOnly: true));
        var (what, broken) = random.Next(6) switch
        {
            0 => ("unclosed flow sequence", lines[at] + " [unclosed"),
            1 => ("unclosed quote", KeyLine().Replace(lines[at], m => $"{m.Groups["indent"].Value}{m.Groups["key"].Value}: \"open")),
            2 => ("tab indentation", "\t" + lines[at].TrimStart()),
            3 => ("mapping inside a scalar", lines[at] + ": : :"),
            4 => ("duplicate key", lines[at] + "\n" + lines[at]),
            _ => ("stray dedent", "  " + lines[at].TrimStart() + "\n" + new string(' ', 3) + "oops: 1"),
        };
        return EditManifest(index, "manifest-broken-yaml", $"line {at + 1}: {what}", Expectation.MustFail, _ =>
        {
            var edited = lines.ToArray();
            edited[at] = broken;
            return edited;
        });
    }

    private static FuzzCase Aliases(int index, Random random, string yaml)
    {
        switch (random.Next(3))
        {
            case 0:
                return EditManifest(index, "manifest-alias", "undefined alias *nowhere", Expectation.MustFail, lines =>
                    lines.Select(l => l.StartsWith("seed:") ? "seed: *nowhere" : l).ToArray());
            case 1:
                // A defined anchor reused elsewhere: a valid manifest (seed 42 as warmup_steps), so either outcome.
                return EditManifest(index, "manifest-alias", "anchor &s on seed reused for warmup_steps", Expectation.MayPass, lines =>
                    lines.Select(l => l.StartsWith("seed:") ? "seed: &s 42" : l.Contains("warmup_steps:") ? "  warmup_steps: *s" : l).ToArray());
            default:
                // "Billion laughs": 9 levels of 9-fold aliases under an unknown key must fail fast, not expand.
                var depth = 3 + random.Next(7);
                var bomb = new StringBuilder("laughs:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
                for (var d = 1; d <= depth; d++)
                    bomb.Append($"  l{d}: &l{d} [{string.Join(", ", Enumerable.Repeat($"*l{d - 1}", 9))}]\n");
                return EditManifest(index, "manifest-alias", $"alias bomb, depth {depth}", Expectation.MustFail, lines =>
                    [.. lines, bomb.ToString()]);
        }
    }

    private static FuzzCase HugeValue(int index, Random random, string yaml)
    {
        var (key, value) = Pick(random, new (string, string)[]
        {
            ("epochs", "99999999999999999999999"), ("epochs", "-3"), ("learning_rate", "1e400"), ("learning_rate", ".nan"),
            ("learning_rate", "-.inf"), ("r", "2147483648"), ("batch_size", "0"), ("max_seq_length", "-1"),
            ("max_new_tokens", "1e12"), ("seed", "18446744073709551616"), ("dropout", "1.5"), ("shots", "100000"),
            ("name", new string('a', 10 * 1024 * 1024)), ("title", "\"" + new string('x', 64) + "\\u0000\""),
        });
        // A 10 MB title is text (valid); a NUL in the title is valid YAML text too: those may pass, the rest must fail.
        var expect = key == "title" ? Expectation.MayPass : Expectation.MustFail;
        return EditManifest(index, "manifest-huge-value", $"{key}: {(value.Length > 40 ? value[..20] + $"…({value.Length} chars)" : value)}", expect, lines =>
            lines.Select(l => KeyLine().Match(l) is { Success: true } m && m.Groups["key"].Value == key
                ? $"{m.Groups["indent"].Value}{key}: {value}" : l).ToArray());
    }

    private static FuzzCase OddUnicode(int index, Random random, string yaml)
    {
        var (what, edit, expect) = random.Next(5) switch
        {
            0 => ("Cyrillic а in 'alpha'", (Func<string, string>)(l => l.Replace("alpha:", "\u0430lpha:")), Expectation.MustFail),
            1 => ("right-to-left override in name", l => l.StartsWith("name:") ? "name: quick\u202Estart" : l, Expectation.MustFail),
            2 => ("zero-width space in a key", l => l.Replace("epochs:", "ep\u200Bochs:"), Expectation.MustFail),
            3 => ("emoji in name", l => l.StartsWith("name:") ? "name: quickstart\U0001F600" : l, Expectation.MustFail),
            _ => ("Japanese and combining marks in the title", l => l.Contains("title:") ? "  title: \"検証 e\u0301\u0301 \U0001D54F\"" : l, Expectation.MayPass),
        };
        return EditManifest(index, "manifest-unicode", what, expect, lines => lines.Select(edit).ToArray());
    }

    // ---- data files --------------------------------------------------------------------------------------------

    private static string PickDataFile(Random random) => random.Next(2) == 0 ? Train : Exam;

    private static FuzzCase EditLine(int index, Random random, string family, Expectation expect, Func<string, JsonObject, Random, (string What, string Line)> edit)
    {
        var file = PickDataFile(random);
        var lineNumber = 1 + random.Next(40);    // both files have at least 40 lines
        var seed = random.Next();
        // The description comes from the same edit applied to a sample record (the real line is read when applied).
        var (what, _) = edit("{\"instruction\": \"x\", \"output\": \"y\"}", new JsonObject { ["instruction"] = "x", ["output"] = "y" }, new Random(seed));
        return new(index, family, $"{file}:{lineNumber}: {what}", expect, $"{Path.GetFileName(file)}:{lineNumber}", false, dir =>
        {
            var path = Path.Combine(dir, file);
            var lines = File.ReadAllLines(path);
            var record = JsonNode.Parse(lines[lineNumber - 1])!.AsObject();
            lines[lineNumber - 1] = edit(lines[lineNumber - 1], record, new Random(seed)).Line;
            File.WriteAllText(path, string.Join('\n', lines) + "\n");
        });
    }

    private static FuzzCase BrokenJsonLine(int index, Random random, string yaml) =>
        EditLine(index, random, "data-broken-line", Expectation.MustFail, (line, _, r) => r.Next(4) switch
        {
            0 => ("truncated", line[..Math.Max(1, line.Length / 2)]),
            1 => ("trailing comma", line[..^1] + ",}"),
            2 => ("single quotes", line.Replace('"', '\'')),
            _ => ("unterminated string", line[..line.LastIndexOf('"')]),
        });

    private static FuzzCase MissingField(int index, Random random, string yaml) =>
        EditLine(index, random, "data-missing-field", Expectation.MustFail, (_, record, r) =>
        {
            var required = record.ContainsKey("problem_id") ? new[] { "problem_id", "problem_text", "choices", "answer" } : ["instruction", "output"];
            var field = required[r.Next(required.Length)];
            record.Remove(field);
            return ("without a required field", record.ToJsonString());
        });

    private static FuzzCase WrongType(int index, Random random, string yaml) =>
        EditLine(index, random, "data-wrong-type", Expectation.MustFail, (_, record, r) =>
        {
            var fields = record.ContainsKey("problem_id") ? new[] { "problem_text", "choices", "answer" } : ["instruction", "output"];
            var field = fields[r.Next(fields.Length)];
            JsonNode bad = r.Next(3) switch { 0 => 123, 1 => new JsonObject { ["x"] = 1 }, _ => false };
            if (field == "choices" && bad is JsonValue) bad = "abc";
            record[field] = bad;
            return ("a field of the wrong type", record.ToJsonString());
        });

    private static FuzzCase NotAnObject(int index, Random random, string yaml) =>
        EditLine(index, random, "data-not-an-object", Expectation.MustFail, (_, _, r) =>
            Pick(r, new[] { ("null", "null"), ("a number", "42"), ("an array", "[1, 2]"), ("a string", "\"text\"") }));

    private static FuzzCase InvalidUtf8(int index, Random random, string yaml)
    {
        var file = PickDataFile(random);
        var lineNumber = 1 + random.Next(40);
        var bytes = Pick(random, new byte[][] { [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE3, 0x81] });
        return new(index, "data-invalid-utf8", $"{file}:{lineNumber}: bytes {Convert.ToHexString(bytes)} inside a string", Expectation.MustFail,
            $"{Path.GetFileName(file)}:{lineNumber}", false, dir =>
            {
                var path = Path.Combine(dir, file);
                var lines = File.ReadAllLines(path).Select(Encoding.UTF8.GetBytes).ToList();
                var line = lines[lineNumber - 1];
                var at = Array.IndexOf(line, (byte)':') + 3;     // inside the first value's string
                lines[lineNumber - 1] = [.. line[..at], .. bytes, .. line[at..]];
                File.WriteAllBytes(path, lines.SelectMany(l => l.Append((byte)'\n')).ToArray());
            });
    }

    private static FuzzCase BomOrCrlf(int index, Random random, string yaml)
    {
        var file = random.Next(3) == 0 ? Manifest : PickDataFile(random);
        var kind = random.Next(3);
        var what = kind switch { 0 => "UTF-8 BOM", 1 => "CRLF line ends", _ => "BOM and CRLF" };
        return new(index, "data-bom-crlf", $"{file}: {what}", Expectation.MayPass, Path.GetFileName(file), false, dir =>
        {
            var path = Path.Combine(dir, file);
            var text = File.ReadAllText(path);
            if (kind != 0) text = text.Replace("\n", "\r\n");
            File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: kind != 1));
        });
    }

    private static FuzzCase EmptyFile(int index, Random random, string yaml)
    {
        var file = Pick(random, [Manifest, Train, Exam]);
        var content = Pick(random, ["", "\n", "\n\n  \n", "\uFEFF"]);
        return new(index, "data-empty", $"{file}: {Escape(content)}", Expectation.MustFail, Path.GetFileName(file), false,
            dir => File.WriteAllText(Path.Combine(dir, file), content));
    }

    private static FuzzCase TenMegabyteLine(int index, Random random, string yaml)
    {
        var file = PickDataFile(random);
        var broken = random.Next(2) == 0;
        var huge = new string('あ', 10 * 1024 * 1024 / 3);   // ~10 MB of UTF-8
        var line = broken ? "{\"instruction\": \"" + huge : $"{{\"problem_id\": \"HUGE\", \"problem_text\": \"{huge}\", \"choices\": [\"a\", \"b\", \"c\", \"d\", \"e\"], \"answer\": [\"a\"], \"text_only\": true}}";
        if (!broken && file == Train) line = $"{{\"instruction\": \"{huge}\", \"input\": \"\", \"output\": \"x\"}}";
        return new(index, "data-10mb-line", $"{file}: a 10 MB {(broken ? "unterminated" : "valid")} line 41",
            broken ? Expectation.MustFail : Expectation.MayPass, $"{Path.GetFileName(file)}:41", false, dir =>
            {
                var path = Path.Combine(dir, file);
                var lines = File.ReadAllLines(path).Take(40).Append(line);
                File.WriteAllText(path, string.Join('\n', lines) + "\n");
            });
    }

    // ---- model directory ---------------------------------------------------------------------------------------

    private static FuzzCase TruncatedSafetensors(int index, Random random, string yaml)
    {
        var mode = random.Next(3);
        var fraction = random.NextDouble();
        var what = mode switch { 0 => $"truncated to {fraction:P0}", 1 => "header length 2^62", _ => "header is not JSON" };
        return new(index, "model-truncated-safetensors", what, Expectation.MustFail, "model.safetensors", true, dir =>
        {
            var path = Path.Combine(dir, "model", "model.safetensors");
            var bytes = File.ReadAllBytes(path);
            if (mode == 0) bytes = bytes[..(int)(bytes.Length * fraction)];
            else if (mode == 1) BitConverter.GetBytes(1L << 62).CopyTo(bytes, 0);
            else bytes[8] = (byte)'!';
            File.WriteAllBytes(path, bytes);
        });
    }

    private static FuzzCase ConfigWrongType(int index, Random random, string yaml)
    {
        var (key, value) = Pick(random, new (string, JsonNode?)[]
        {
            ("hidden_size", "128"), ("hidden_size", -128), ("num_hidden_layers", 1.5), ("num_attention_heads", 0),
            ("vocab_size", null), ("model_type", 5), ("model_type", "gpt2"), ("layer_norm_eps", "tiny"),
            ("num_attention_heads", 3), ("rotary_pct", 5), ("max_position_embeddings", new JsonArray(1)), ("intermediate_size", 1e300),
        });
        var broken = random.Next(8) == 0;
        return new(index, "model-config-wrong-type", broken ? "config.json is not JSON" : $"config.json {key}: {value?.ToJsonString() ?? "null"}",
            Expectation.MustFail, "config.json", true, dir =>
            {
                var path = Path.Combine(dir, "model", "config.json");
                if (broken) { File.WriteAllText(path, File.ReadAllText(path)[..40]); return; }
                var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
                config[key] = value?.DeepClone();
                File.WriteAllText(path, config.ToJsonString());
            });
    }

    private static FuzzCase TokenizerBadIds(int index, Random random, string yaml)
    {
        var mode = random.Next(5);
        var what = mode switch
        {
            0 => "a vocab id past vocab_size", 1 => "a negative vocab id", 2 => "a vocab id that is a string",
            3 => "an added token with an id past vocab_size", _ => "tokenizer.json is not JSON",
        };
        return new(index, "model-tokenizer-bad-ids", what, Expectation.MustFail, "tokenizer.json", true, dir =>
        {
            var path = Path.Combine(dir, "model", "tokenizer.json");
            if (mode == 4) { File.WriteAllText(path, "{\"model\": {\"vocab\": "); return; }
            var tokenizer = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            var vocab = tokenizer["model"]!["vocab"]!.AsObject();
            var first = vocab.First().Key;
            if (mode == 3)
            {
                var added = tokenizer["added_tokens"]!.AsArray();
                added[0]!["id"] = 1_000_000;
            }
            else vocab[first] = mode switch { 0 => (JsonNode)1_000_000, 1 => -5, _ => "seven" };
            File.WriteAllText(path, tokenizer.ToJsonString());
        });
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string Escape(string s) => s.Length == 0 ? "(0 bytes)" : string.Concat(s.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:x4}" : c.ToString()));
}
