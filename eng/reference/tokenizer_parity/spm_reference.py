#!/usr/bin/python3
"""Expected ids and decoded text from SentencePiece itself (Debian python3-sentencepiece) for every text of texts.json.

    /usr/bin/python3 spm_reference.py <tokenizer.model> <texts.json> <source> <output.json> [<charsmap output>]

With a fifth argument the model's normalizer_spec.precompiled_charsmap is also written there as raw bytes (used to
give a tokenizer.json a Precompiled normalizer in hf_reference.mjs).
"""
import hashlib
import json
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2

model_path, texts_path, source, output = sys.argv[1:5]
data = open(model_path, "rb").read()
processor = spm.SentencePieceProcessor(model_proto=data)
texts = json.load(open(texts_path, encoding="utf-8"))
cases = []
for text in texts:
    ids = processor.encode(text)
    cases.append({"text": text, "ids": ids, "ids_with_special": [processor.bos_id()] + ids, "decoded": processor.decode(ids)})
result = {
    "source": source,
    "tokenizer_sha256": hashlib.sha256(data).hexdigest(),
    "variant": "as-is",
    "reference": f"sentencepiece {spm.__version__} (Debian python3-sentencepiece)",
    "cases": cases,
}
with open(output, "w", encoding="utf-8") as f:
    f.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
if len(sys.argv) > 5:
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(data)
    open(sys.argv[5], "wb").write(proto.normalizer_spec.precompiled_charsmap)
print(f"wrote {output}: {len(cases)} texts")
