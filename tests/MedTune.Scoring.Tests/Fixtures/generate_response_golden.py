#!/usr/bin/env python3
"""Golden values for ResponseScorer and ResponseExtractor: an independent Python implementation of
the three metrics of shared/spec/metrics.md, applied to made-up model continuations for real
questions (IgakuQA text_only five-choice, JJSIMQA).

Continuations are stored as parts, like generate_gestalt_golden.py: references to the question's
own options {"c": i} (optionally {"fullwidth": true}: ASCII to full-width forms) and literals
{"lit": "..."}; the C# test rebuilds them from the shared data.

Spec rules implemented here:
  R: text after the first response marker (if present), stripped, first non-empty line, stripped
  clean(s) = s.replace(".", "").strip()
  gold g = gold options' texts in letter order joined by ","
  exact_match = clean(R) == clean(g)
  gestalt_score = (ratio(R', g') + ratio(g', R')) / 2
  accuracy: s_i = (ratio(c_i, R') + ratio(R', c_i)) / 2 over raw options, greedily pick k = |gold|
            highest (ties: earlier option), correct when the picked set equals the gold set.

Usage: python3 generate_response_golden.py /work/shared/data > response_golden.jsonl
"""
import difflib, glob, json, os, random, struct, sys

root = sys.argv[1]
rng = random.Random(11)
MARKER = "### 応答："

def load(pattern):
    out = []
    for path in sorted(glob.glob(os.path.join(root, pattern))):
        with open(path, encoding="utf-8") as f:
            out += [json.loads(line) for line in f if line.strip()]
    return out

def ratio(a, b):
    return difflib.SequenceMatcher(None, a, b).ratio()

def sym(a, b):
    return (ratio(a, b) + ratio(b, a)) / 2

def fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if 0x21 <= ord(c) <= 0x7E else c for c in s)

def extract(continuation):
    text = continuation
    at = text.find(MARKER)
    if at >= 0:
        text = text[at + len(MARKER):]
    for line in text.strip().split("\n"):
        if line.strip():
            return line.strip()
    return ""

def clean(s):
    return s.replace(".", "").strip()

def build(q, parts):
    out = ""
    for p in parts:
        if "lit" in p:
            out += p["lit"]
        else:
            text = q["choices"][p["c"]]
            out += fullwidth(text) if p.get("fullwidth") else text
    return out

def recipe(q):
    gold = sorted(ord(a) - ord("a") for a in q["answer"])
    n = len(q["choices"])
    other = rng.randrange(n)
    def joined(sep):
        parts = []
        for i, c in enumerate(gold):
            if i: parts.append({"lit": sep})
            parts.append({"c": c})
        return parts
    kind = rng.randrange(12)
    if kind == 0: return joined(",")
    if kind == 1: return [{"lit": "例題の答え\n" + MARKER + "\n"}] + joined(",") + [{"lit": "\n### 指示：次の問題"}]
    if kind == 2: return joined("、")
    if kind == 3: return joined(", ")
    if kind == 4: return [{"c": other}, {"lit": "."}]
    if kind == 5: return [{"c": other}]
    if kind == 6: return [{"lit": "\n\n  "}, {"c": other}, {"lit": "。\n次の行"}]
    if kind == 7: return [{"lit": ""}]
    if kind == 8: return [{"c": other, "fullwidth": True}]
    if kind == 9: return [{"lit": "答えは"}, {"c": other}, {"lit": "です"}]
    if kind == 10: return [{"lit": MARKER}, {"c": gold[0]}, {"lit": MARKER + "違う"}]
    return [{"c": rng.randrange(n)}, {"lit": ","}, {"c": rng.randrange(n)}]

igakuqa = [q for q in load("igakuqa/20[0-9][0-9]/[0-9][0-9][0-9]-[A-Z].jsonl") if q["text_only"] and len(q["choices"]) == 5]
jjsimqa = [q for q in load("jjsimqa/jjsimqa.jsonl") if "," not in q["answer"]]
chosen = [("igakuqa", q) for q in rng.sample(igakuqa, 200)] + [("jjsimqa", q) for q in rng.sample(jjsimqa, 100)]

for name, q in chosen:
    parts = recipe(q)
    r = clean(extract(build(q, parts)))
    letters = sorted(q["answer"])
    g = clean(",".join(q["choices"][ord(a) - ord("a")] for a in letters))
    scores = [sym(c, r) for c in q["choices"]]
    remaining = list(range(len(q["choices"])))
    picked = []
    for _ in range(len(letters)):
        best = remaining[0]
        for i in remaining:
            if scores[i] > scores[best]:
                best = i
        picked.append(best)
        remaining.remove(best)
    picked_letters = sorted(chr(ord("a") + i) for i in picked)
    gestalt = sym(r, g)
    print(json.dumps({
        "set": name, "problem_id": q["problem_id"], "continuation": parts,
        "response_len": len(r), "exact_match": int(r == g), "gestalt_bits": struct.pack(">d", gestalt).hex(),
        "accuracy": int(picked_letters == letters), "picked": ",".join(picked_letters),
    }, ensure_ascii=False))
