#!/usr/bin/env python3
"""Golden values for LetterScorer: an independent Python re-implementation of the IgakuQA release's
letter scoring rules, applied to seeded random predictions for all IgakuQA 2018-2022 questions.

Rules (IgakuQA release, scripts/evaluate_main.py, re-implemented here, not copied):
  * the prediction string is split on ',' exactly as it is (no trimming, no case folding), sorted,
    and compared with the sorted gold list;
  * 116A71 counts as correct whatever the prediction; 112B30 is correct for "a" or "d" alone
    (besides an exact match of its gold list ["a or d"]);
  * accuracy = correct / questions; score = points (int) of the correct questions; total = all points.
Extra, for the normalised column: NFKC, lower-case, '、'/'，' -> ',', each part trimmed.

Writes letter_predictions.jsonl (the predictions) and letter_golden.json (the expected results).
Usage: python3 generate_letter_golden.py /work/shared/data
"""
import glob, json, os, random, sys, unicodedata

root = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(7)

questions = []
for path in sorted(glob.glob(os.path.join(root, "igakuqa/20[0-9][0-9]/[0-9][0-9][0-9]-[A-Z].jsonl"))):
    with open(path, encoding="utf-8") as f:
        questions += [json.loads(line) for line in f if line.strip()]

def make_prediction(q):
    gold = q["answer"]
    if not q["choices"]:
        return rng.choice([gold[0], " " + gold[0], "0", gold[0] + ",1", ""])
    letters = [chr(ord("a") + i) for i in range(len(q["choices"]))]
    kind = rng.randrange(10)
    if kind == 0: return ",".join(gold)                      # exact
    if kind == 1: return ",".join(reversed(gold))            # order does not matter
    if kind == 2: return ", ".join(gold)                     # space after comma: wrong unless one answer
    if kind == 3: return ",".join(g.upper() for g in gold)   # upper case: wrong, right when normalised
    if kind == 4: return "，".join(chr(ord(g) - ord("a") + ord("ａ")) for g in gold)  # full width
    if kind == 5: return "、".join(gold)                     # Japanese comma
    if kind == 6: return ""
    if kind == 7: return " " + ",".join(gold) + " "          # surrounding spaces
    return ",".join(sorted(rng.sample(letters, rng.choice([1, 1, 2, 3]))))  # random guess

predictions = []
for q in questions:
    p = make_prediction(q)
    if q["problem_id"] == "112B30": p = rng.choice(["a", "d", "a or d", "a,d", "b"])
    if q["problem_id"] == "116A71": p = "b,c"
    predictions.append({"problem_id": q["problem_id"], "prediction": p})

def strict_parts(p):
    return sorted(p.split(","))

def normalized_parts(p):
    p = unicodedata.normalize("NFKC", p).lower().replace("、", ",").replace("，", ",")
    return sorted(part.strip() for part in p.split(","))

def correct(q, parts):
    if q["problem_id"] == "116A71":
        return True
    if q["problem_id"] == "112B30" and parts in (["a"], ["d"]):
        return True
    return parts == sorted(q["answer"])

def summarize(subset):
    strict = [q["problem_id"] for q, p in subset if correct(q, strict_parts(p["prediction"]))]
    norm = [q["problem_id"] for q, p in subset if correct(q, normalized_parts(p["prediction"]))]
    points = {q["problem_id"]: int(q["points"]) for q, _ in subset}
    return {
        "count": len(subset),
        "correct": len(strict),
        "accuracy": repr(len(strict) / len(subset)),
        "score": sum(points[i] for i in strict),
        "total": sum(points.values()),
        "correct_normalized": len(norm),
        "correct_ids": strict,
        "correct_normalized_ids": norm,
    }

pairs = list(zip(questions, predictions))
golden = {
    "all": summarize(pairs),
    "text_only_5_choices": summarize([(q, p) for q, p in pairs if q["text_only"] and len(q["choices"]) == 5]),
}
with open(os.path.join(here, "letter_predictions.jsonl"), "w", encoding="utf-8") as f:
    for p in predictions:
        f.write(json.dumps(p, ensure_ascii=False) + "\n")
with open(os.path.join(here, "letter_golden.json"), "w", encoding="utf-8") as f:
    json.dump(golden, f, ensure_ascii=False, indent=1)
    f.write("\n")
