#!/usr/bin/env python3
"""test-cli-expert.py — `rectify dit` and `rectify vae` end to end on the
golden models: outputs match the PyTorch goldens, bad input fails with a
message and leaves no output file. Standard library only (CI has no numpy).

usage: test-cli-expert.py RECTIFY SOURCE_DIR
"""
import math
import os
import struct
import subprocess
import sys
import tempfile

rectify, src = sys.argv[1], sys.argv[2]
passed = failed = 0


def report(name, ok, detail=""):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + f"{name:58s} {detail}")
    if ok:
        passed += 1
    else:
        failed += 1


def load_npy(path):
    """Little-endian f32 .npy (what rectify writes and the goldens are)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"\x93NUMPY", path
    hlen = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + hlen].decode("latin1")
    assert "'<f4'" in header, header
    shape = tuple(int(x) for x in header.split("(")[1].split(")")[0].split(",") if x.strip())
    n = math.prod(shape)
    return shape, struct.unpack(f"<{n}f", data[10 + hlen:10 + hlen + 4 * n])


def rel_err(a, b):
    num = sum((x - y) ** 2 for x, y in zip(a, b))
    den = sum(y * y for y in b)
    return math.sqrt(num / max(den, 1e-30))


def run(*args):
    return subprocess.run([rectify, *args], capture_output=True, text=True)


def data(*p):
    return os.path.join(src, "tests", "data", *p)


with tempfile.TemporaryDirectory() as tmp:
    flux = data("flux", "tiny")
    for device in ("cpu", "vulkan"):
        out = os.path.join(tmp, f"v-{device}.npy")
        r = run("dit", "--model", os.path.join(flux, "model.safetensors"),
                "--img", os.path.join(flux, "in_img.npy"), "--txt", os.path.join(flux, "in_txt.npy"),
                "--y", os.path.join(flux, "in_y.npy"), "--t", "0.7", "--guidance", "3.5",
                "--grid", "3x5", "--out", out, "--device", device, "--bench", "2")
        if r.returncode != 0:
            report(f"dit on {device}", False, r.stderr.strip())
            continue
        shape, got = load_npy(out)
        _, ref = load_npy(os.path.join(flux, "out.npy"))
        e = rel_err(got, ref)
        tol = 1e-4 if device == "cpu" else 1e-3
        report(f"dit on {device} matches the golden", shape == (1, 15, 64) and e <= tol
               and "forward_ms:" in r.stdout, f"rel err {e:.2e}")

    ae = data("ae")
    for cmd, inp, ref_name in (("encode", "in_image.npy", "out_latent.npy"),
                               ("decode", "in_latent.npy", "out_image.npy")):
        out = os.path.join(tmp, f"{cmd}.npy")
        r = run("vae", cmd, "--model", os.path.join(ae, "model.safetensors"),
                "--in", os.path.join(ae, inp), "--out", out, "--device", "cpu")
        if r.returncode != 0:
            report(f"vae {cmd}", False, r.stderr.strip())
            continue
        _, got = load_npy(out)
        _, ref = load_npy(os.path.join(ae, ref_name))
        e = rel_err(got, ref)
        report(f"vae {cmd} matches the golden", e <= 1e-4, f"rel err {e:.2e}")

    # bad input: a clear message, non-zero exit, no output file
    bad = [
        ("grid that does not match the tokens", ["dit", "--model", os.path.join(flux, "model.safetensors"),
         "--img", os.path.join(flux, "in_img.npy"), "--txt", os.path.join(flux, "in_txt.npy"),
         "--y", os.path.join(flux, "in_y.npy"), "--t", "0.5", "--grid", "4x4"], "expected [1, 16, 64]"),
        ("grid of zero", ["dit", "--model", os.path.join(flux, "model.safetensors"),
         "--img", os.path.join(flux, "in_img.npy"), "--txt", os.path.join(flux, "in_txt.npy"),
         "--y", os.path.join(flux, "in_y.npy"), "--t", "0.5", "--grid", "0x5"], "--grid"),
        ("a transformer file given to vae", ["vae", "decode", "--model",
         os.path.join(flux, "model.safetensors"), "--in", os.path.join(ae, "in_latent.npy")],
         "holds no autoencoder"),
        ("an autoencoder file given to dit", ["dit", "--model", os.path.join(ae, "model.safetensors"),
         "--img", os.path.join(flux, "in_img.npy"), "--txt", os.path.join(flux, "in_txt.npy"),
         "--y", os.path.join(flux, "in_y.npy"), "--t", "0.5", "--grid", "3x5"], "holds no flux-dit"),
        ("a missing input file", ["vae", "encode", "--model", os.path.join(ae, "model.safetensors"),
         "--in", os.path.join(tmp, "nope.npy")], "nope.npy"),
    ]
    for name, args, want in bad:
        out = os.path.join(tmp, "bad.npy")
        r = run(*args, "--out", out)
        report(name, r.returncode != 0 and want in r.stderr and not os.path.exists(out),
               r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
