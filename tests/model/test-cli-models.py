#!/usr/bin/env python3
"""`rectify models info` and `rectify models list` end to end.

Every malformed file in tests/data/model/malformed must make `models info`
exit 1 (not crash) and print the expected reason; a tiny FLUX set must be
described; `models list` must search $RECTIFY_MODELS and the extra_dirs of
config.ini. Usage: test-cli-models.py RECTIFY_EXE SOURCE_DIR
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

exe, src = sys.argv[1], sys.argv[2]
failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    failures += not ok


def run(*args, env=None):
    p = subprocess.run([exe] + list(args), capture_output=True, text=True, env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def safetensors(path, tensors):
    """tensors: [(name, shape)] as zero-filled F16"""
    hdr, off = {}, 0
    for name, shape in tensors:
        n = 2
        for d in shape:
            n *= d
        hdr[name] = {"dtype": "F16", "shape": shape, "data_offsets": [off, off + n]}
        off += n
    text = json.dumps(hdr).encode()
    text += b" " * ((-len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"\0" * off)


def tiny_flux(prefix=""):
    H, D, M = 16, 8, 32
    t = []

    def lin(n, o, i):
        t.extend([(prefix + n + ".weight", [o, i]), (prefix + n + ".bias", [o])])
    lin("img_in", H, 64); lin("time_in.in_layer", H, 256); lin("time_in.out_layer", H, H)
    lin("vector_in.in_layer", H, 8); lin("vector_in.out_layer", H, H); lin("txt_in", H, 12)
    for s in ("img", "txt"):
        p = "double_blocks.0.%s" % s
        lin(p + "_mod.lin", 6 * H, H); lin(p + "_attn.qkv", 3 * H, H); lin(p + "_attn.proj", H, H)
        t.extend([(prefix + p + "_attn.norm.query_norm.scale", [D]), (prefix + p + "_attn.norm.key_norm.scale", [D])])
        lin(p + "_mlp.0", M, H); lin(p + "_mlp.2", H, M)
    lin("single_blocks.0.linear1", 3 * H + M, H); lin("single_blocks.0.linear2", H, H + M)
    lin("single_blocks.0.modulation.lin", 3 * H, H)
    t.extend([(prefix + "single_blocks.0.norm.query_norm.scale", [D]), (prefix + "single_blocks.0.norm.key_norm.scale", [D])])
    lin("final_layer.linear", 64, H); lin("final_layer.adaLN_modulation.1", 2 * H, H)
    return t


bad_dir = os.path.join(src, "tests", "data", "model", "malformed")
with open(os.path.join(bad_dir, "expected.txt")) as f:
    for line in f:
        if not line.strip() or line.startswith("#"):
            continue
        name, code, text = line.rstrip("\n").split("\t")
        rc, out, err = run("models", "info", os.path.join(bad_dir, name))
        check(rc == 1 and text in err, "models info %s exits 1 with '%s'" % (name, text))

with tempfile.TemporaryDirectory() as tmp:
    rc, out, err = run("models", "info", tmp)
    check(rc == 1 and "no model files" in err, "empty folder: " + err.strip())
    one = os.path.join(tmp, "one")
    two = os.path.join(tmp, "two", "unet")
    os.makedirs(one)
    os.makedirs(two)
    safetensors(os.path.join(one, "flux-tiny-schnell.safetensors"), tiny_flux())
    safetensors(os.path.join(two, "comfy.safetensors"), tiny_flux("model.diffusion_model."))
    with open(os.path.join(two, "broken.safetensors"), "wb") as f:
        f.write(b"\x01\x02")
    rc, out, err = run("models", "info", os.path.join(one, "flux-tiny-schnell.safetensors"))
    check(rc == 0 and "flux-dit [BFL single file]" in out and "variant: schnell" in out
          and "no autoencoder found" in out and "1+1 blocks" in out,
          "models info on a tiny FLUX file:\n" + out)
    rc, out, err = run("models", "info", os.path.join(tmp, "two"))
    check(rc == 1 and "ComfyUI (prefix model.diffusion_model.)" in out and "broken.safetensors" in err,
          "models info on a folder with one broken file exits 1 and says which")

    cfg = os.path.join(tmp, "config", "rectify")
    os.makedirs(cfg)
    with open(os.path.join(cfg, "config.ini"), "w") as f:
        f.write("[models]\nextra_dirs=%s;/nonexistent/folder\n" % os.path.join(tmp, "two"))
    env = dict(os.environ, RECTIFY_MODELS=one, XDG_CONFIG_HOME=os.path.join(tmp, "config"),
               XDG_DATA_HOME=os.path.join(tmp, "data"))
    rc, out, err = run("models", "list", env=env)
    check(rc == 0 and "flux-tiny-schnell.safetensors" in out and "comfy.safetensors" in out
          and "flux-dit schnell (ComfyUI" in out and "unreadable" in out,
          "models list: $RECTIFY_MODELS and config.ini extra_dirs\n" + out)
    env["RECTIFY_MODELS"] = "/nonexistent"
    os.unlink(os.path.join(cfg, "config.ini"))
    rc, out, err = run("models", "list", env=env)
    check(rc == 1 and "no model folders" in err, "models list with nothing to search: " + err.strip())
    rc, out, err = run("models", "list", "--dir", one, env=env)
    check(rc == 0 and "flux-tiny-schnell" in out, "models list --dir")

print("%d failures" % failures)
sys.exit(1 if failures else 0)
