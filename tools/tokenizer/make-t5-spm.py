#!/usr/bin/python3
"""Tiny SentencePiece unigram tokenizers for the T5 tokenizer tests, and their oracle.

    /usr/bin/python3 tools/tokenizer/make-t5-spm.py [--out tests/data/text] [--cases 2500]

Trains two unigram models with Debian's python3-sentencepiece on Debian's own text
(tools/tokenizer/debian_text.py) and writes under --out:

  t5/spiece.model        T5's layout: pad 0, eos 1 (</s>), unk 2, no bos; nmt_nfkc
                         normalization (T5's), dummy prefix, extra whitespace removed
  t5/tokenizer.json      the same model in transformers' tokenizer.json form (Unigram
                         vocab with scores, Precompiled normalizer, Metaspace) plus
                         <extra_id_N> special tokens up to 1024 entries, as T5's has
  t5/tokenizer.gguf      the same model as llama.cpp writes T5 tokenizer metadata
                         (tokenizer.ggml.*), padded with [PAD{i}] unused tokens to 1024
  t5-bytes/spiece.model  trained on the Latin-script lines only, with other options:
                         identity normalization, no dummy prefix, no
                         whitespace cleanup, byte fallback, two user-defined symbols
  strings.json           --cases test strings (tools/tokenizer/debian_text.py)
  t5-cases.json          per model, sentencepiece's ids for each string
                         (EncodeAsIds: no </s>; the C tokenizer appends it)

The strings are decoded back with sentencepiece as a self-check.  Regenerating on the
same machine gives the same files (one training thread, fixed seeds).
"""

import argparse
import base64
import io
import json
import os
import struct
import sys

import sentencepiece as spm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import debian_text  # noqa: E402
import gguf_writer as gw  # noqa: E402

SEED = 20240901


# --- a minimal protobuf reader (no google.protobuf on Debian's python3) ---------------

def _varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def proto_fields(buf):
    """Yields (field, wire type, value) of one message; value is int or bytes."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 2:
            n, i = _varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("bad wire type")
        yield field, wt, v


def normalizer_spec(model_bytes):
    """(precompiled_charsmap, add_dummy_prefix, remove_extra_whitespaces) of a ModelProto."""
    spec = {"charsmap": b"", "add_dummy_prefix": True, "remove_extra_whitespaces": True}
    for f, _, v in proto_fields(model_bytes):
        if f == 3:
            for g, _, w in proto_fields(v):
                if g == 2:
                    spec["charsmap"] = bytes(w)
                elif g == 3:
                    spec["add_dummy_prefix"] = bool(w)
                elif g == 4:
                    spec["remove_extra_whitespaces"] = bool(w)
    return spec


# --- training -------------------------------------------------------------------------

def train(lines, **opts):
    out = io.BytesIO()
    spm.set_random_generator_seed(SEED)
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=out,
                                   model_type="unigram", num_threads=1,
                                   minloglevel=2, **opts)
    return out.getvalue()


def pieces(model_bytes):
    """(piece, score, type) from the ModelProto; types are sentencepiece's numbers
    (= llama.cpp's): 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte."""
    out = []
    for f, _, v in proto_fields(model_bytes):
        if f == 1:
            piece, score, t = "", 0.0, 1
            for g, _, w in proto_fields(v):
                if g == 1:
                    piece = bytes(w).decode("utf-8")
                elif g == 2:
                    (score,) = struct.unpack("<f", w)
                elif g == 3:
                    t = w
            out.append((piece, score, t))
    return out


def write_tokenizer_json(path, sp, blob, spec, total):
    ps = pieces(blob)
    vocab = [[p, float(s)] for p, s, _ in ps]
    added = [{"id": i, "content": p, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": t != 4} for i, (p, _, t) in enumerate(ps) if t in (2, 3, 4)]
    for k in range(total - len(ps)):
        tok = f"<extra_id_{total - len(ps) - 1 - k}>"
        added.append({"id": len(vocab), "content": tok, "single_word": False, "lstrip": False,
                      "rstrip": False, "normalized": False, "special": True})
        vocab.append([tok, 0.0])
    doc = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        # transformers' SpmConverter: the whitespace cleanup shows as a Replace of
        # space runs and a WhitespaceSplit; the dummy prefix as Metaspace's flag
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled",
             "precompiled_charsmap": base64.b64encode(spec["charsmap"]).decode("ascii")}]
            + ([{"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]
               if spec["remove_extra_whitespaces"] else [])},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": (
            [{"type": "WhitespaceSplit"}] if spec["remove_extra_whitespaces"] else []) + [
            {"type": "Metaspace", "replacement": "\u2581",
             "add_prefix_space": spec["add_dummy_prefix"]}]},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "pair": [], "special_tokens": {"</s>": {"id": "</s>", "ids": [1],
                                                                   "tokens": ["</s>"]}}},
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True},
        "model": {"type": "Unigram", "unk_id": sp.unk_id(), "vocab": vocab,
                  "byte_fallback": any(t == 6 for _, _, t in ps)},
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def write_gguf(path, sp, blob, spec, total):
    ps = pieces(blob)
    ps += [(f"[PAD{i}]", 0.0, 5) for i in range(len(ps), total)]
    kvs = [
        ("general.architecture", gw.STRING, "t5encoder"),
        ("general.name", gw.STRING, "rectify test tokenizer"),
        ("tokenizer.ggml.model", gw.STRING, "t5"),
        ("tokenizer.ggml.tokens", gw.ARRAY, (gw.STRING, [p for p, _, _ in ps])),
        ("tokenizer.ggml.scores", gw.ARRAY, (gw.F32, [s for _, s, _ in ps])),
        ("tokenizer.ggml.token_type", gw.ARRAY, (gw.I32, [t for _, _, t in ps])),
        ("tokenizer.ggml.add_space_prefix", gw.BOOL, int(spec["add_dummy_prefix"])),
        ("tokenizer.ggml.remove_extra_whitespaces", gw.BOOL,
         int(spec["remove_extra_whitespaces"])),
        ("tokenizer.ggml.precompiled_charsmap", gw.ARRAY, (gw.U8, list(spec["charsmap"]))),
        ("tokenizer.ggml.eos_token_id", gw.U32, sp.eos_id()),
        ("tokenizer.ggml.unknown_token_id", gw.U32, sp.unk_id()),
    ]
    if sp.pad_id() >= 0:
        kvs.append(("tokenizer.ggml.padding_token_id", gw.U32, sp.pad_id()))
    with open(path, "wb") as f:
        f.write(gw.build(kvs, []))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="tests/data/text")
    ap.add_argument("--cases", type=int, default=2000)
    args = ap.parse_args()
    lines = debian_text.corpus_lines()
    print(f"corpus: {len(lines)} lines, {sum(len(x) for x in lines)} characters")

    # a small hand-written rule set for the second model, so its charsmap (and the
    # tokenizer.json / GGUF copies of it) stay a few KB instead of nmt_nfkc's 240 KB
    rules_tsv = os.path.join(args.out, "t5-bytes", "rules.tsv")
    os.makedirs(os.path.dirname(rules_tsv), exist_ok=True)
    with open(rules_tsv, "w") as f:
        for c in range(26):  # full-width capitals -> ASCII capitals
            f.write(f"{0xFF21 + c:X}\t{0x41 + c:X}\n")
        f.write("FB01\t66 69\nFB00\t66 66\n9\t20\n3000\t20\nA0\t20\n2003\t20\n"
                "D\t20\nD A\tA\n2126\t3A9\n65 301\tE9\n")
    models = {
        "t5": train(lines, vocab_size=1000, pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
                    character_coverage=0.985, normalization_rule_name="nmt_nfkc"),
        "t5-bytes": train([x for x in lines if max(map(ord, x)) < 0x250], vocab_size=600, pad_id=-1, eos_id=1, unk_id=0, bos_id=2,
                          character_coverage=0.98, normalization_rule_tsv=rules_tsv,
                          add_dummy_prefix=False, remove_extra_whitespaces=False,
                          byte_fallback=True, user_defined_symbols=["[SEP]", "://"]),
    }
    strings = debian_text.test_strings(args.cases, SEED)
    debian_text.write_strings(args.out, strings, SEED)
    cases = {"format": "rectify-tokenizer-cases", "version": 1,
             "made_by": "tools/tokenizer/make-t5-spm.py",
             "oracle": f"sentencepiece {spm.__version__} EncodeAsIds (no </s>)",
             "ids": {}}
    for name, blob in models.items():
        d = os.path.join(args.out, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "spiece.model"), "wb") as f:
            f.write(blob)
        sp = spm.SentencePieceProcessor(model_proto=blob)
        ids = [sp.encode(s) for s in strings]
        n_unk = sum(i.count(sp.unk_id()) for i in ids)
        print(f"{name}: {sp.get_piece_size()} pieces, {sum(map(len, ids))} ids, {n_unk} unknown")
        cases["ids"][name] = ids
        spec = normalizer_spec(blob)
        assert [p for p, _, _ in pieces(blob)] == [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
        if name == "t5-bytes":
            write_tokenizer_json(os.path.join(d, "tokenizer.json"), sp, blob, spec, 640)
            write_gguf(os.path.join(d, "tokenizer.gguf"), sp, blob, spec, 640)
        assert sp.decode(sp.encode("a photo of a cat")) == "a photo of a cat"
    with open(os.path.join(args.out, "t5-cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
