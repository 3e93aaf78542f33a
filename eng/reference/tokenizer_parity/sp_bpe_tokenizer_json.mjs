// Rebuilds a SentencePiece-style BPE tokenizer.json from the vocabulary (in id order) and ranked merges that the npm
// packages mistral-tokenizer-js@1.0.0 (Mistral-7B-v0.1) and llama-tokenizer-js@1.2.2 (LLaMA / Llama 2) embed — both
// MIT code whose data was extracted from the models' own tokenizer.json — in the layout HF's LlamaConverter writes
// (that of mistralai/Mistral-7B-v0.1 and meta-llama/Llama-2-7b-hf). With a third argument the result is first checked
// against the package's own test cases, which were produced by the original tokenizer.
//   node sp_bpe_tokenizer_json.mjs <package module, e.g. .../mistral-tokenizer.js> <output tokenizer.json> [<@anush008/tokenizers dir>]
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [modulePath, output, tokenizersDir] = process.argv.slice(2);
const { default: source } = await import(path.resolve(modulePath));
const vocab = {};
source.vocabById.forEach((token, id) => { vocab[token] = id; });
const merges = [...source.merges.entries()].sort((a, b) => a[1] - b[1]).map(([pair]) => pair);
const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const json = {
  version: "1.0",
  truncation: null,
  padding: null,
  added_tokens: [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
  normalizer: { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "▁" }, { type: "Replace", pattern: { String: " " }, content: "▁" }] },
  pre_tokenizer: null,
  post_processor: {
    type: "TemplateProcessing",
    single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
    pair: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "<s>", type_id: 1 } }, { Sequence: { id: "B", type_id: 1 } }],
    special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } },
  },
  decoder: { type: "Sequence", decoders: [{ type: "Replace", pattern: { String: "▁" }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" }, { type: "Strip", content: " ", start: 1, stop: 0 }] },
  model: { type: "BPE", dropout: null, unk_token: "<unk>", continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges },
};
const text = JSON.stringify(json);

// The package's test cases hold ids from the original tokenizer; HF tokenizers on the rebuilt file must give them.
let checked = 0;
if (tokenizersDir) {
const { Tokenizer } = createRequire(import.meta.url)(path.resolve(tokenizersDir));
const tokenizer = Tokenizer.fromString(text);
const tests = fs.readFileSync(path.resolve(modulePath), "utf8");
for (const match of tests.matchAll(/testCase\((".*?"|'.*?'),\s*(\[[0-9, ]+\])\)/gs)) {
  const input = eval(match[1]);
  const expected = JSON.parse(match[2]);
  const ids = (await tokenizer.encode(input, null, { addSpecialTokens: true })).getIds();
  if (JSON.stringify(ids) !== JSON.stringify(expected)) throw new Error(`rebuilt tokenizer disagrees with ${modulePath} on ${JSON.stringify(input)}: ${ids} vs ${expected}`);
  checked++;
}
if (checked < 5) throw new Error(`found only ${checked} test cases in ${modulePath}`);
}
fs.writeFileSync(output, text);
console.log(`wrote ${output}: ${Object.keys(vocab).length} tokens, ${merges.length} merges, ${checked} package test cases agree`);
