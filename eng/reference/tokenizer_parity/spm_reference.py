#!/usr/bin/python3
"""Expected ids and decoded text from SentencePiece itself (Debian python3-sentencepiece) for every text of texts.json.

    /usr/bin/python3 spm_reference.py <tokenizer.model> <texts.json> <source> <output.json> [<charsmap output>]

With a fifth argument the model's normalizer_spec.precompiled_charsmap is also written there as raw bytes (used to
give a tokenizer.json a Precompiled normalizer in hf_reference.mjs).
"""
import hashlib
import json
import random
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2

model_path, texts_path, source, output = sys.argv[1:5]
data = open(model_path, "rb").read()
processor = spm.SentencePieceProcessor(model_proto=data)
texts = json.load(open(texts_path, encoding="utf-8"))
def run(text):
    ids = processor.encode(text)
    return {"text": text, "ids": ids, "ids_with_special": [processor.bos_id()] + ids, "decoded": processor.decode(ids)}


cases = [run(text) for text in texts]
# 300 random texts (fixed seed): characters of texts.json, runs of spaces and newlines.
rng = random.Random(20240613)
pool = sorted(set("".join(texts))) + ["  ", "\n\n", " \n", "\u3000", "\u2581"]
random_cases = [run("".join(rng.choice(pool) for _ in range(rng.randint(1, 30)))) for _ in range(300)]
# Every prefix of the ids of the three texts with the most byte pieces: decoding a generation cut inside a character.
prefixes = []
for case in sorted(cases, key=lambda c: -sum(processor.is_byte(i) for i in c["ids"]))[:3]:
    for k in range(1, len(case["ids"]) + 1):
        prefixes.append({"ids": case["ids"][:k], "decoded": processor.decode(case["ids"][:k])})
result = {
    "source": source,
    "tokenizer_sha256": hashlib.sha256(data).hexdigest(),
    "variant": "as-is",
    "reference": f"sentencepiece {spm.__version__} (Debian python3-sentencepiece)",
    "cases": cases,
    "random_cases": random_cases,
    "prefixes": prefixes,
}
# One case per line: compact, and a regenerated file diffs by case.
body = []
for key, value in result.items():
    if isinstance(value, list):
        items = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in value)
        body.append(f"{json.dumps(key)}: [\n{items}\n]")
    else:
        body.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
with open(output, "w", encoding="utf-8") as f:
    f.write("{\n" + ",\n".join(body) + "\n}\n")
if len(sys.argv) > 5:
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(data)
    open(sys.argv[5], "wb").write(proto.normalizer_spec.precompiled_charsmap)
print(f"wrote {output}: {len(cases)} texts")
