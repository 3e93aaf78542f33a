#!/bin/sh
# Regenerates the tokenizer reference fixtures under tests/MedTune.Inference.Tests/Fixtures/Tokenization.
# Needs Debian's real SentencePiece and the regex module: apt-get install -y sentencepiece python3-regex
# and the shared evaluation data (MEDTUNE_SHARED_DATA, default ../shared/data) for the SentencePiece training text.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/eng/reference"
fixtures="$root/tests/MedTune.Inference.Tests/Fixtures/Tokenization"
data=${MEDTUNE_SHARED_DATA:-$root/../shared/data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$fixtures/spm_reference"

# 1. A real SentencePiece BPE model with byte fallback, trained by spm_train on exam question texts.
#    spm_train is not byte-for-byte reproducible, so an existing model is kept; delete it to retrain.
if [ ! -f "$fixtures/spm_reference/tokenizer.model" ]; then
/usr/bin/python3 - "$data" > "$work/corpus.txt" <<'PY'
import glob, json, sys
root = sys.argv[1]
files = sorted(glob.glob(root + "/igakuqa/*/*.jsonl")) + [root + "/jjsimqa/jjsimqa.jsonl"]
for path in files:
    if path.endswith("_metadata.jsonl") or path.endswith("_translate.jsonl"):
        continue
    for line in open(path, encoding="utf-8"):
        record = json.loads(line)
        print(record["problem_text"].replace("\n", " "))
        for choice in record.get("choices", []):
            print(choice.replace("\n", " "))
PY
spm_train --input="$work/corpus.txt" --model_prefix="$work/spm" --vocab_size=2000 --model_type=bpe \
  --byte_fallback=true --normalization_rule_name=identity --character_coverage=0.995 --split_digits=true \
  --num_threads=1 >/dev/null 2>&1
cp "$work/spm.model" "$fixtures/spm_reference/tokenizer.model"
fi
cp "$here/sentences_ja.txt" "$here/bytelevel_extra.txt" "$fixtures/"
spm_encode --model="$fixtures/spm_reference/tokenizer.model" --output_format=id < "$here/sentences_ja.txt" > "$fixtures/spm_reference_ids.txt"
spm_decode --model="$fixtures/spm_reference/tokenizer.model" --input_format=id < "$fixtures/spm_reference_ids.txt" > "$fixtures/spm_reference_decoded.txt"

# 2. The builtin tokenizers, encoded by independent implementations.
dotnet run --project "$here/WriteBuiltinTokenizers" -- "$work/builtin"
spm_encode --model="$work/builtin/llama/tokenizer.model" --output_format=id < "$here/sentences_ja.txt" > "$fixtures/builtin_llama_ids.txt"
spm_decode --model="$work/builtin/llama/tokenizer.model" --input_format=id < "$fixtures/builtin_llama_ids.txt" > "$fixtures/builtin_llama_decoded.txt"
cat "$here/sentences_ja.txt" "$here/bytelevel_extra.txt" | /usr/bin/python3 "$here/bpe_reference.py" "$work/builtin/gpt_neox/tokenizer.json" > "$fixtures/builtin_gpt_neox_ids.txt"
# 3. A Llama 3 / Qwen style tokenizer.json (Split regex, merges as pairs, ignore_merges, BOS from the post-processor).
/usr/bin/python3 "$here/make_llama3_style.py" "$work/builtin/gpt_neox" "$fixtures/llama3_style"
cat "$here/sentences_ja.txt" "$here/bytelevel_extra.txt" | /usr/bin/python3 "$here/bpe_reference.py" "$fixtures/llama3_style/tokenizer.json" > "$fixtures/llama3_style_ids.txt"
echo "fixtures written to $fixtures"
