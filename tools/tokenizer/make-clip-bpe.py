#!/usr/bin/python3
"""A tiny CLIP-style BPE vocabulary for the CLIP tokenizer tests, and its oracle.

    /usr/bin/python3 tools/tokenizer/make-clip-bpe.py [--out tests/data/text] [--merges 1500]

Learns --merges byte-level BPE merges (the most frequent adjacent pair, ties broken by
the pair's text) on Debian's own text (tools/tokenizer/debian_text.py), pre-tokenized
exactly as CLIP does (tools/reference/clip_tokenizer_ref.py), and writes under --out:

  clip/vocab.json, clip/merges.txt   CLIP's file layout: the 256 byte symbols, the same
                                     with </w>, one entry per merge, then
                                     <|startoftext|> and <|endoftext|> (the two last ids)
  clip/tokenizer.json                the same in transformers' tokenizer.json form
  strings.json                       the test strings (same as make-t5-spm.py's)
  clip-cases.json                    the reference tokenizer's ids for each (no start/end)

Regenerating gives the same files.
"""

import argparse
import collections
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import clip_tokenizer_ref as ref  # noqa: E402
import debian_text  # noqa: E402

SEED = 20240901


def learn_merges(words, n_merges):
    """words: Counter of byte-symbol strings.  Standard BPE with incremental pair counts."""
    seqs = []
    freqs = []
    for w, f in sorted(words.items()):
        seqs.append(list(w[:-1]) + [w[-1] + "</w>"])
        freqs.append(f)
    counts = collections.Counter()
    where = collections.defaultdict(set)
    for i, s in enumerate(seqs):
        for p in zip(s[:-1], s[1:]):
            counts[p] += freqs[i]
            where[p].add(i)
    merges = []
    while len(merges) < n_merges and counts:
        best = max(counts.items(), key=lambda kv: (kv[1], [-ord(c) for c in kv[0][0] + " " + kv[0][1]]))
        pair = best[0]
        if best[1] <= 0:
            break
        merges.append(pair)
        a, b = pair
        for i in sorted(where.pop(pair, ())):
            s = seqs[i]
            for p in zip(s[:-1], s[1:]):
                counts[p] -= freqs[i]
                if counts[p] <= 0:
                    del counts[p]
            out, j = [], 0
            while j < len(s):
                if j < len(s) - 1 and s[j] == a and s[j + 1] == b:
                    out.append(a + b)
                    j += 2
                else:
                    out.append(s[j])
                    j += 1
            seqs[i] = out
            for p in zip(out[:-1], out[1:]):
                counts[p] += freqs[i]
                where[p].add(i)
        counts.pop(pair, None)
    return merges


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="tests/data/text")
    ap.add_argument("--merges", type=int, default=1500)
    ap.add_argument("--cases", type=int, default=2000)
    args = ap.parse_args()

    be = ref.bytes_to_unicode()
    words = collections.Counter()
    for line in debian_text.corpus_lines():
        for tok in ref.pre_tokenize(ref.clean(line)):
            if tok not in (ref.START, ref.END):
                words["".join(be[b] for b in tok.encode("utf-8"))] += 1
    merges = learn_merges(words, args.merges)
    syms = list(be.values())
    vocab_list = syms + [s + "</w>" for s in syms] + ["".join(m) for m in merges] + [ref.START, ref.END]
    vocab = {}
    for i, p in enumerate(vocab_list):
        vocab.setdefault(p, i)
    assert len(vocab) == len(vocab_list), "a merge result repeats a byte symbol"

    d = os.path.join(args.out, "clip")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2 - rectify test vocabulary (tools/tokenizer/make-clip-bpe.py)\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    special = lambda t: {"id": vocab[t], "content": t, "single_word": False,  # noqa: E731
                         "lstrip": False, "rstrip": False, "normalized": True, "special": True}
    tj = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [special(ref.START), special(ref.END)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"}, {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
            {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|"
                                                   "'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"},
             "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
             "use_regex": False}]},
        "post_processor": {"type": "RobertaProcessing", "sep": [ref.END, vocab[ref.END]],
                           "cls": [ref.START, vocab[ref.START]], "trim_offsets": False,
                           "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": ref.END,
                  "continuing_subword_prefix": "", "end_of_word_suffix": "</w>",
                  "fuse_unk": False, "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")

    tok = ref.ClipTokenizer.from_files(os.path.join(d, "vocab.json"), os.path.join(d, "merges.txt"))
    assert tok.ranks == {m: i for i, m in enumerate(merges)}
    strings = debian_text.test_strings(args.cases, SEED)
    debian_text.write_strings(args.out, strings, SEED)
    ids = [tok.encode(s) for s in strings]
    print(f"clip: {len(vocab)} entries, {len(merges)} merges, {sum(map(len, ids))} ids")
    # self-checks of the reference: fixed cases worked out by hand from the algorithm
    assert tok("", pad=False) == [vocab[ref.START], vocab[ref.END]]
    assert len(tok("a " * 100)) == ref.CONTEXT and tok("x")[-1] == vocab[ref.END]
    assert ref.pre_tokenize(ref.clean("  It's  A\tDOG!!'s <|endoftext|>x2 ")) == \
        ["it", "'s", "a", "dog", "!!'", "s", "<|endoftext|>", "x", "2"]
    with open(os.path.join(args.out, "clip-cases.json"), "w", encoding="utf-8") as f:
        json.dump({"format": "rectify-tokenizer-cases", "version": 1,
                   "made_by": "tools/tokenizer/make-clip-bpe.py",
                   "oracle": "tools/reference/clip_tokenizer_ref.py (no start/end tokens)",
                   "ids": {"clip": ids}},
                  f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
