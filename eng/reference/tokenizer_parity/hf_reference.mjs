// Expected ids and decoded text from Hugging Face tokenizers itself (the Rust crate, tokenizers 0.22.2, through the
// napi bindings @anush008/tokenizers@0.6.0) for every text of texts.json.
//   node hf_reference.mjs <@anush008/tokenizers dir> <texts.json> <tokenizer.json> <variant> <source> <output.json> [<charsmap>]
// variant: "as-is"; "metaspace-first" (normalizer removed, pre_tokenizer Metaspace prepend_scheme "first", split
// false: what transformers' LlamaConverter writes for legacy: false); or "precompiled" (a Precompiled normalizer
// holding the raw SentencePiece charsmap file <charsmap>, relative to the fixture directory, before the existing
// normalizer, as HF's converters write for nmt_nfkc models). The C# test applies the same variant.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { createRequire } from "node:module";

const [tokenizersDir, textsPath, tokenizerPath, variant, source, output, charsmap] = process.argv.slice(2);
const { Tokenizer } = createRequire(import.meta.url)(path.resolve(tokenizersDir));
const bytes = fs.readFileSync(tokenizerPath);
const json = JSON.parse(bytes.toString("utf8"));
if (variant === "metaspace-first") {
  json.normalizer = null;
  json.pre_tokenizer = { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: false };
} else if (variant === "precompiled") {
  const precompiled = { type: "Precompiled", precompiled_charsmap: fs.readFileSync(path.resolve(path.dirname(output), "..", charsmap)).toString("base64") };
  json.normalizer = { type: "Sequence", normalizers: [precompiled, ...(json.normalizer ? [json.normalizer] : [])] };
} else if (variant !== "as-is") {
  throw new Error(`unknown variant ${variant}`);
}
const tokenizer = Tokenizer.fromString(JSON.stringify(json));
const texts = JSON.parse(fs.readFileSync(textsPath, "utf8"));
async function run(text) {
  const ids = (await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds();
  const withSpecial = (await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds();
  return { text, ids, ids_with_special: withSpecial, decoded: await tokenizer.decode(ids, true) };
}
const cases = [];
for (const text of texts) cases.push(await run(text));

// 300 random texts (fixed seed): characters of texts.json, runs of spaces and newlines, and the special tokens.
let seed = 20240613;
const random = () => { seed = (seed + 0x6D2B79F5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const pool = [...new Set([...texts.join("")])].concat(["  ", "\n\n", " \n", "<s>", "</s>", "<unk>", "\u3000", "▁"]);
const randomCases = [];
for (let i = 0; i < 300; i++) {
  const length = 1 + Math.floor(random() * 30);
  let text = "";
  for (let k = 0; k < length; k++) text += pool[Math.floor(random() * pool.length)];
  randomCases.push(await run(text));
}
// Decoding cut-off id sequences (a generation stopped inside a character): every prefix of the ids of the texts
// that need byte fallback the most, so ByteFallback's replacement of unfinished bytes is compared too.
const prefixes = [];
for (const c of [...cases].sort((a, b) => countBytes(b.ids) - countBytes(a.ids)).slice(0, 3)) {
  for (let k = 1; k <= c.ids.length; k++) prefixes.push({ ids: c.ids.slice(0, k), decoded: await tokenizer.decode(c.ids.slice(0, k), true) });
}
function countBytes(ids) { return ids.filter(id => /^<0x[0-9A-Fa-f]{2}>$/.test(tokenizer.idToToken(id) ?? "")).length; }
const result = {
  source,
  tokenizer_sha256: crypto.createHash("sha256").update(bytes).digest("hex"),
  variant,
  ...(charsmap ? { charsmap } : {}),
  reference: "huggingface/tokenizers 0.22.2 (Rust) via npm @anush008/tokenizers@0.6.0",
  cases,
  random_cases: randomCases,
  prefixes,
};
// One case per line: compact, and a regenerated file diffs by case.
const body = Object.entries(result).map(([key, value]) => Array.isArray(value)
  ? `${JSON.stringify(key)}: [\n${value.map(v => "  " + JSON.stringify(v)).join(",\n")}\n]`
  : `${JSON.stringify(key)}: ${JSON.stringify(value)}`);
fs.writeFileSync(output, "{\n" + body.join(",\n") + "\n}\n");
console.log(`wrote ${output}: ${cases.length} texts`);
