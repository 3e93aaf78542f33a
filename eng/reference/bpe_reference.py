#!/usr/bin/python3
"""Independent reference encoder for byte-level BPE tokenizer.json files (GPT-2 / GPT-NeoX style).

Written from the published algorithm, not from medtune's C#: bytes_to_unicode, the GPT-2 pre-tokenisation
regex evaluated by the `regex` module (Debian python3-regex, code-point based), added tokens split first
(longest match), and GPT-2's original `bpe()` loop (merge the lowest-ranked adjacent pair everywhere, repeat).

usage: bpe_reference.py TOKENIZER_JSON < sentences.txt > ids.txt   (one line of space-separated ids per input line)
"""
import json
import sys

import regex

GPT2_PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class Reference:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        model = data["model"]
        assert model["type"] == "BPE"
        pre = data["pre_tokenizer"]
        if pre["type"] == "ByteLevel":
            assert not pre["add_prefix_space"] and pre.get("use_regex", True)
            self.pattern = GPT2_PATTERN
        else:
            split, byte_level = pre["pretokenizers"]
            assert pre["type"] == "Sequence" and split["type"] == "Split" and split["behavior"] == "Isolated"
            assert byte_level["type"] == "ByteLevel" and not byte_level["use_regex"] and not byte_level["add_prefix_space"]
            self.pattern = regex.compile(split["pattern"]["Regex"])
        self.ignore_merges = model.get("ignore_merges", False)
        self.prefix = []
        for step in [data.get("post_processor") or {}] + (data.get("post_processor") or {}).get("processors", []):
            if step.get("type") == "TemplateProcessing" and "SpecialToken" in step["single"][0]:
                self.prefix = step["special_tokens"][step["single"][0]["SpecialToken"]["id"]]["ids"]
        self.vocab = model["vocab"]
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        self.ranks = {pair: rank for rank, pair in enumerate(merges)}
        self.added = {t["content"]: t["id"] for t in data.get("added_tokens", [])}
        self.byte_encoder = bytes_to_unicode()

    def bpe(self, token):
        word = list(token)
        while len(word) > 1:
            pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and (word[i], word[i + 1]) == best:
                    merged.append(word[i] + word[i + 1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        return word

    def split_added(self, text):
        tokens = sorted(self.added, key=len, reverse=True)
        pieces, start, i = [], 0, 0
        while i < len(text):
            match = next((t for t in tokens if text.startswith(t, i)), None)
            if match is None:
                i += 1
                continue
            if i > start:
                pieces.append((text[start:i], None))
            pieces.append((match, self.added[match]))
            i += len(match)
            start = i
        if start < len(text):
            pieces.append((text[start:], None))
        return pieces

    def words(self, text):
        """Isolated split: every match is a word, and so is every stretch between matches."""
        last = 0
        for match in self.pattern.finditer(text):
            if match.start() > last:
                yield text[last:match.start()]
            if match.end() > match.start():
                yield match.group()
            last = match.end()
        if last < len(text):
            yield text[last:]

    def encode(self, text):
        ids = list(self.prefix)
        for piece, added_id in self.split_added(text):
            if added_id is not None:
                ids.append(added_id)
                continue
            for word in self.words(piece):
                chars = "".join(self.byte_encoder[b] for b in word.encode("utf-8"))
                if self.ignore_merges and chars in self.vocab:
                    ids.append(self.vocab[chars])
                else:
                    ids.extend(self.vocab[t] for t in self.bpe(chars))
        return ids


def main():
    reference = Reference(sys.argv[1])
    for line in sys.stdin.read().split("\n"):
        if line:
            print(" ".join(map(str, reference.encode(line.replace("\\n", "\n")))))


if __name__ == "__main__":
    main()
