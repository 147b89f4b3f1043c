#!/usr/bin/env python3
"""`rectify tokenize` and `rectify encode` end to end (standard library only).

    test-cli-text.py RECTIFY SOURCE_DIR

tokenize: the exact output contract (ids on one line, space-separated, special tokens,
padding only with --pad) on strings from tests/data/text/strings.json against the
oracle ids; truncation warnings; invalid UTF-8.  encode: shapes of txt.npy / y.npy,
the embedding cache (hit, identical output, a damaged entry ignored and rewritten),
tokenizer/encoder mismatches.
"""

import ast
import json
import os
import struct
import subprocess
import sys
import tempfile

RECTIFY, SRC = sys.argv[1], sys.argv[2]
DATA = os.path.join(SRC, "tests", "data", "text")
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def run(*args, env=None):
    p = subprocess.run([RECTIFY, *args], capture_output=True, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def npy(path):
    with open(path, "rb") as f:
        blob = f.read()
    assert blob[:6] == b"\x93NUMPY"
    (hl,) = struct.unpack("<H", blob[8:10])
    head = ast.literal_eval(blob[10:10 + hl].decode("latin-1"))
    return head["shape"], blob[10 + hl:]


with open(os.path.join(DATA, "strings.json"), encoding="utf-8") as f:
    strings = json.load(f)["strings"]
with open(os.path.join(DATA, "t5-cases.json"), encoding="utf-8") as f:
    t5_ids = json.load(f)["ids"]["t5"]
with open(os.path.join(DATA, "clip-cases.json"), encoding="utf-8") as f:
    clip_ids = json.load(f)["ids"]["clip"]

# --- tokenize ------------------------------------------------------------------------
T5 = os.path.join(DATA, "t5", "spiece.model")
CLIP = os.path.join(DATA, "clip")
bad = 0
cases = [i for i, s in enumerate(strings[:400]) if "\x00" not in s and not s.startswith("-")][:40]
for i in cases:
    rc, out, _ = run("tokenize", "--tokenizer", T5, "--prompt", strings[i])
    bad += rc != 0 or out != " ".join(map(str, t5_ids[i] + [1])) + "\n"
    rc, out, _ = run("tokenize", "--tokenizer", CLIP, "--prompt", strings[i])
    bad += rc != 0 or out != " ".join(map(str, [2012] + clip_ids[i] + [2013])) + "\n"
check(bad == 0, f"tokenize: {2 * len(cases)} prompts print exactly the oracle ids ({bad} differ)")

rc, out, _ = run("tokenize", "--tokenizer", T5, "--prompt", "")
check(rc == 0 and out == "1\n", "tokenize: the empty prompt is '1' (</s>) for T5")
rc, out, _ = run("tokenize", "--tokenizer", CLIP, "--prompt", "", "--pad")
check(rc == 0 and out == "2012" + " 2013" * 76 + "\n", "tokenize --pad: CLIP pads with <|endoftext|> to 77")
rc, out, err = run("tokenize", "--tokenizer", CLIP, "--prompt", "a " * 80)
check(rc == 0 and len(out.split()) == 77 and "5 tokens were dropped" in err,
      f"tokenize: 80 CLIP words keep 77 ids and warn that 5 were dropped ({err.strip()})")
rc, out, err = run("tokenize", "--tokenizer", T5, "--prompt", "cat " * 20, "--max-length", "8", "--pad")
check(rc == 0 and len(out.split()) == 8 and out.split()[-1] == "1" and "dropped" in err,
      "tokenize --max-length 8: 7 pieces + </s>, with a warning")
rc, out, err = run("tokenize", "--tokenizer", os.path.join(DATA, "t5-bytes", "tokenizer.gguf"),
                   "--prompt", "ok")
check(rc == 0 and out.strip().endswith(" 1"), "tokenize: a GGUF file's tokenizer metadata")
rc, out, err = run("tokenize", "--tokenizer", T5, "--prompt", b"caf\xc3 x".decode("utf-8", "surrogateescape"))
check(rc == 1 and out == "" and "offset 3" in err, f"tokenize: invalid UTF-8 names the byte offset ({err.strip()})")
rc, _, err = run("tokenize", "--tokenizer", os.path.join(DATA, "strings.json"), "--prompt", "x")
check(rc == 1 and "strings.json" in err, f"tokenize: a file that is no tokenizer is an error ({err.strip()})")
rc, _, _ = run("tokenize", "--prompt", "x")
check(rc == 2, "tokenize: --tokenizer is required (usage, exit 2)")

# --- encode --------------------------------------------------------------------------
with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"))
    base = ["encode", "--clip", os.path.join(DATA, "clip-encoder", "model.safetensors"),
            "--t5", os.path.join(DATA, "t5-encoder", "model.safetensors"),
            "--clip-tokenizer", CLIP, "--t5-tokenizer", T5, "--device", "cpu"]
    out1, out2, out3 = (os.path.join(tmp, n) for n in ("o1", "o2", "o3"))
    rc, out, err = run(*base, "--prompt", "a photo of a cat", "--out-dir", out1, "--max-length", "256", env=env)
    ts, tb = npy(os.path.join(out1, "txt.npy"))
    ys, yb = npy(os.path.join(out1, "y.npy"))
    check(rc == 0 and ts == (1, 256, 32) and ys == (1, 32) and "cached" not in out,
          f"encode: txt.npy {ts}, y.npy {ys} ({err.strip() or 'no warnings'})")
    entries = os.listdir(os.path.join(tmp, "cache", "rectify", "embeddings"))
    check(len(entries) == 2, f"encode: two cache entries written ({len(entries)})")
    rc, out, _ = run(*base, "--prompt", "a photo of a cat", "--out-dir", out2, "--max-length", "256", env=env)
    same = npy(os.path.join(out2, "txt.npy"))[1] == tb and npy(os.path.join(out2, "y.npy"))[1] == yb
    check(rc == 0 and out.count("(cached)") == 2 and same, "encode: the second run reads both from the cache, same bytes")
    # damage every entry: flip a data byte of one, truncate the other
    d = os.path.join(tmp, "cache", "rectify", "embeddings")
    paths = sorted((os.path.join(d, e) for e in entries), key=os.path.getsize)
    with open(paths[1], "r+b") as f:
        f.seek(-5, 2)
        b = f.read(1)
        f.seek(-5, 2)
        f.write(bytes([b[0] ^ 0x40]))
    with open(paths[0], "r+b") as f:
        f.truncate(50)
    rc, out, err = run(*base, "--prompt", "a photo of a cat", "--out-dir", out3, "--max-length", "256", env=env)
    same = npy(os.path.join(out3, "txt.npy"))[1] == tb and npy(os.path.join(out3, "y.npy"))[1] == yb
    check(rc == 0 and "cached" not in out and err.count("damaged") == 2 and same,
          "encode: damaged cache entries are ignored with a warning and recomputed")
    rc, out, _ = run(*base, "--prompt", "a photo of a cat", "--out-dir", out3, "--max-length", "256", env=env)
    check(rc == 0 and out.count("(cached)") == 2, "encode: ... and rewritten")
    rc, out, err = run(*base, "--prompt", "", "--out-dir", out3, "--max-length", "16", "--no-cache", env=env)
    check(rc == 0 and npy(os.path.join(out3, "txt.npy"))[0] == (1, 16, 32), "encode: the empty prompt works")
    _, full, _ = run("tokenize", "--tokenizer", T5, "--prompt", "cat " * 40, "--max-length", "0")
    want = f"T5 (16 tokens): {len(full.split()) - 16} tokens were dropped"
    rc, out, err = run(*base, "--prompt", "cat " * 40, "--out-dir", out3, "--max-length", "16", "--no-cache", env=env)
    check(rc == 0 and want in err,
          f"encode: a long prompt warns how many T5 tokens were dropped ({err.strip()})")
    wrong = [a if a != T5 else os.path.join(DATA, "t5-bytes", "spiece.model") for a in base]
    rc, _, err = run(*wrong, "--prompt", "x", "--out-dir", out3, env=env)
    check(rc == 1 and "does not match" in err, "encode: a tokenizer of another vocabulary size is an error")
    wrong = [a if a != CLIP else T5 for a in base]
    rc, _, err = run(*wrong, "--prompt", "x", "--out-dir", out3, env=env)
    check(rc == 1 and "clip-bpe" in err, "encode: a T5 tokenizer given for CLIP is an error")
    nodir = [a for a in base if a not in ("--t5-tokenizer", T5)]
    rc, _, err = run(*nodir, "--prompt", "x", "--out-dir", out3, env=env)
    check(rc == 1 and "--t5-tokenizer" in err, "encode: a missing tokenizer names the option to use")

    # diffusers layout: tokenizers found in tokenizer/ and tokenizer_2/; a shared folder
    # holding the other encoder's tokenizer first is skipped
    import shutil
    root = os.path.join(tmp, "flux")
    for sub, src in (("text_encoder", "clip-encoder"), ("text_encoder_2", "t5-encoder")):
        os.makedirs(os.path.join(root, sub))
        shutil.copy(os.path.join(DATA, src, "model.safetensors"), os.path.join(root, sub))
    shutil.copytree(CLIP, os.path.join(root, "tokenizer"))
    os.makedirs(os.path.join(root, "tokenizer_2"))
    shutil.copy(T5, os.path.join(root, "tokenizer_2"))
    shutil.copy(os.path.join(CLIP, "tokenizer.json"), os.path.join(root, "text_encoder_2"))
    rc, out, err = run("encode", "--clip", os.path.join(root, "text_encoder", "model.safetensors"),
                       "--t5", os.path.join(root, "text_encoder_2", "model.safetensors"),
                       "--device", "cpu", "--prompt", "a photo of a cat", "--out-dir", out3,
                       "--max-length", "256", env=env)
    same = npy(os.path.join(out3, "y.npy"))[1] == yb and npy(os.path.join(out3, "txt.npy"))[1] == tb
    check(rc == 0 and same, f"encode: tokenizers found in a diffusers layout give the same embeddings {err.strip()}")

print("FAILED" if failures else "all passed")
sys.exit(1 if failures else 0)
