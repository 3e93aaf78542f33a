#!/usr/bin/python3
"""Turns the builtin GPT-NeoX tokenizer.json into a Llama 3 / Qwen style one (Split regex + ByteLevel pre-tokenizer,
merges as pairs, ignore_merges, BOS added by a TemplateProcessing post-processor, several EOS ids), so that the
loader's handling of that layout can be checked against bpe_reference.py.

usage: make_llama3_style.py SOURCE_DIR TARGET_DIR
"""
import json
import os
import sys

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")

source, target = sys.argv[1], sys.argv[2]
with open(os.path.join(source, "tokenizer.json"), encoding="utf-8") as f:
    data = json.load(f)
size = max(max(data["model"]["vocab"].values()), max(t["id"] for t in data["added_tokens"])) + 1
bos, end_of_text, eot = size, size + 1, size + 2
for token_id, content in [(bos, "<|begin_of_text|>"), (end_of_text, "<|end_of_text|>"), (eot, "<|eot_id|>")]:
    data["added_tokens"].append({"id": token_id, "content": content, "single_word": False, "lstrip": False,
                                 "rstrip": False, "normalized": False, "special": True})
byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}
data["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated", "invert": False}, byte_level]}
data["post_processor"] = {"type": "Sequence", "processors": [
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
    {"type": "TemplateProcessing",
     "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
     "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
              {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
     "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [bos], "tokens": ["<|begin_of_text|>"]}}}]}
data["model"]["merges"] = [m.split(" ") for m in data["model"]["merges"]]
data["model"]["ignore_merges"] = True

os.makedirs(target, exist_ok=True)
with open(os.path.join(target, "tokenizer.json"), "w", encoding="utf-8") as f:
    json.dump(data, f, ensure_ascii=False, indent=1)
with open(os.path.join(target, "tokenizer_config.json"), "w", encoding="utf-8") as f:
    json.dump({"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "tokenizer_class": "PreTrainedTokenizerFast"}, f, indent=1)
with open(os.path.join(target, "generation_config.json"), "w", encoding="utf-8") as f:
    json.dump({"bos_token_id": bos, "eos_token_id": [end_of_text, eot]}, f, indent=1)
