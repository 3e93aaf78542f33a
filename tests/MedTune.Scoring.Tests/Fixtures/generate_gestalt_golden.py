#!/usr/bin/env python3
"""Golden values for GestaltSimilarity: Python's difflib.SequenceMatcher(None, a, b).ratio().

The exam texts stay in the shared data (they must not be copied into the repository): each string
is stored as a list of parts that the C# test rebuilds from the same files -- a reference
{"set", "q", "f", optional "from"/"to" code point slice} or a literal {"lit": "..."}. Literals
are only short made-up strings (empty strings, non-BMP characters, emoji, random strings).
Each line also stores the code point lengths (to tell changed data from a wrong ratio),
the ratio as Python's repr and the IEEE-754 bits as 16 hex digits.

Usage: python3 generate_gestalt_golden.py /work/shared/data > gestalt_golden.jsonl
"""
import difflib, glob, json, os, random, struct, sys

root = sys.argv[1]
rng = random.Random(20241125)

def load(pattern):
    out = {}
    for path in sorted(glob.glob(os.path.join(root, pattern))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    out[r["problem_id"]] = r
    return out

sets = {
    "igakuqa": load("igakuqa/20[0-9][0-9]/[0-9][0-9][0-9]-[A-Z].jsonl"),
    "jjsimqa": load("jjsimqa/jjsimqa.jsonl"),
}

def field(ref):
    q = sets[ref["set"]][ref["q"]]
    text = q["problem_text"] if ref["f"] == "text" else q["choices"][int(ref["f"][1:])]
    return text[ref.get("from", 0):ref.get("to", len(text))]

def build(parts):
    return "".join(p["lit"] if "lit" in p else field(p) for p in parts)

def ref(s, q, f, lo=None, hi=None):
    r = {"set": s, "q": q, "f": f}
    if lo is not None: r["from"] = lo
    if hi is not None: r["to"] = hi
    return r

def lit(s):
    return {"lit": s}

pairs = []
def add(a, b, both_orders=True):
    pairs.append((a, b))
    if both_orders:
        pairs.append((b, a))

def pick(s, pred=lambda q: True):
    ids = sorted(i for i, q in sets[s].items() if pred(q))
    return sets[s][rng.choice(ids)]

with_choices = lambda q: len(q["choices"]) >= 2
long_text = lambda q: len(q["problem_text"]) >= 200

# 1. Option vs option of the same question (the accuracy metric compares options with responses).
for s in ("igakuqa", "jjsimqa"):
    for _ in range(30):
        q = pick(s, with_choices)
        i, j = rng.sample(range(len(q["choices"])), 2)
        add([ref(s, q["problem_id"], f"c{i}")], [ref(s, q["problem_id"], f"c{j}")])

# 2. A gold-like string (options joined by ',') vs one option.
for s in ("igakuqa", "jjsimqa"):
    for _ in range(20):
        q = pick(s, with_choices)
        k = rng.choice([2, 3])
        chosen = sorted(rng.sample(range(len(q["choices"])), k))
        gold = []
        for n, c in enumerate(chosen):
            if n: gold.append(lit(","))
            gold.append(ref(s, q["problem_id"], f"c{c}"))
        add(gold, [ref(s, q["problem_id"], f"c{rng.choice(range(len(q['choices'])))}")])

# 3. Long texts (>= 200 code points: autojunk on b): two different questions, and a text vs an edited copy.
for _ in range(25):
    q1, q2 = pick("igakuqa", long_text), pick("igakuqa", long_text)
    add([ref("igakuqa", q1["problem_id"], "text")], [ref("igakuqa", q2["problem_id"], "text")])
for _ in range(20):
    q = pick("igakuqa", long_text)
    n = len(q["problem_text"])
    lo, hi = sorted(rng.sample(range(n), 2))
    cut = rng.randrange(n)
    edited = [ref("igakuqa", q["problem_id"], "text", 0, cut), lit(rng.choice(["𠮷", "😀", "。", "", "高熱"])),
              ref("igakuqa", q["problem_id"], "text", min(n, cut + rng.randrange(0, 5)))]
    add([ref("igakuqa", q["problem_id"], "text")], edited)
    add([ref("igakuqa", q["problem_id"], "text", lo, hi)], [ref("igakuqa", q["problem_id"], "text")])

# 4. Long question text vs short option (autojunk applies only when the long one is b).
for _ in range(20):
    q = pick("igakuqa", lambda q: long_text(q) and with_choices(q))
    add([ref("igakuqa", q["problem_id"], "text")], [ref("igakuqa", q["problem_id"], f"c{rng.randrange(len(q['choices']))}")])
for _ in range(10):
    q = pick("jjsimqa", with_choices)
    add([ref("jjsimqa", q["problem_id"], "text")], [ref("jjsimqa", q["problem_id"], f"c{rng.randrange(len(q['choices']))}")])

# 5. Literals: empty strings, surrogate pairs, emoji.
for a, b in [("", ""), ("", "a"), ("", "𠮷"), ("𠮷野家", "吉野家"), ("😀😀😀", "😀"), ("a😀b", "ab"),
             ("𠮷", "𠮷"), ("👨‍👩‍👧", "👨👩👧"), ("酸素欠乏症,硫化水素中毒", "酸素欠乏症"), ("abc", "xyz")]:
    add([lit(a)], [lit(b)])

# 6. Random strings over small alphabets (many ties; long ones have popular characters).
alphabets = ["ab", "abc", "ab𠮷", "😀a𠮷", "アイウ", "abcdefghij"]
for _ in range(36):
    alphabet = rng.choice(alphabets)
    la = rng.choice([0, 1, 5, 20, 60, 150, 199, 200, 201, 260])
    lb = rng.choice([0, 3, 30, 120, 199, 200, 230, 300])
    a = "".join(rng.choice(alphabet) for _ in range(la))
    b = "".join(rng.choice(alphabet) for _ in range(lb))
    add([lit(a)], [lit(b)])

# 7. Real text with non-BMP characters spliced in, long and short.
for _ in range(15):
    q = pick("igakuqa", long_text)
    n = len(q["problem_text"])
    p1, p2 = sorted(rng.sample(range(n), 2))
    spliced = [ref("igakuqa", q["problem_id"], "text", 0, p1), lit("𠮷"), ref("igakuqa", q["problem_id"], "text", p1, p2),
               lit("😷😷"), ref("igakuqa", q["problem_id"], "text", p2)]
    other = pick("igakuqa", long_text)
    add(spliced, [ref("igakuqa", other["problem_id"], "text")])

# 8. A few thousand code points: several question texts concatenated (as long generations can be).
for _ in range(3):
    a = [ref("igakuqa", pick("igakuqa", long_text)["problem_id"], "text") for _ in range(10)]
    b = a[3:] + [ref("igakuqa", pick("igakuqa", long_text)["problem_id"], "text") for _ in range(4)]
    add(a, b)

for a_parts, b_parts in pairs:
    a, b = build(a_parts), build(b_parts)
    r = difflib.SequenceMatcher(None, a, b).ratio()
    print(json.dumps({"a": a_parts, "b": b_parts, "len_a": len(a), "len_b": len(b), "ratio": repr(r),
                      "bits": struct.pack(">d", r).hex()}, ensure_ascii=False))
