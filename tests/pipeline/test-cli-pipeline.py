#!/usr/bin/env python3
"""test-cli-pipeline.py — `rectify generate|invert|reconstruct|edit|inpaint`
end to end on the tiny model set: the README's main-job command with no
model installed (falls back to the test model and says so), image formats
and bit depths through GEGL, determinism, Ctrl-C, and every bad input
giving a clear message, a non-zero exit and no file. Standard library only.

usage: test-cli-pipeline.py RECTIFY SOURCE_DIR
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rftest import gegl_module_dir  # noqa: E402

rectify, src = sys.argv[1], sys.argv[2]
passed = failed = 0
examples = os.path.join(src, "examples")
models = os.path.join(src, "tests", "data", "pipeline")


def report(name, ok, detail=""):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + f"{name:56s} {detail}", flush=True)
    if ok:
        passed += 1
    else:
        failed += 1


def run(*args, env=None):
    return subprocess.run([rectify, *args], capture_output=True, env=env)


def png_info(path):
    """(width, height, bit depth, colour type) from the IHDR chunk."""
    with open(path, "rb") as f:
        head = f.read(33)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    w, h, depth, ctype = struct.unpack(">IIBB", head[16:26])
    return w, h, depth, ctype


def write_png(path, w, h, pixel, depth=8, ctype=2):
    """A PNG from pixel(x, y) -> tuple of channel values (0..2^depth-1)."""
    fmt = ">" + ("H" if depth == 16 else "B") * {0: 1, 2: 3, 6: 4}[ctype]
    raw = b"".join(b"\x00" + b"".join(struct.pack(fmt, *pixel(x, y)) for x in range(w))
                   for y in range(h))

    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype,
                                                                0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def metadata(stdout):
    out = {}
    for line in stdout.decode().splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            out[k] = v
    return out


def strip_test_marker(src_path, dst_path):
    """Copies a safetensors file without `rectify.test_model` metadata: a
    transformer that looks like a real one (so no test conditioning)."""
    with open(src_path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    header.get("__metadata__", {}).pop("rectify.test_model", None)
    js = json.dumps(header, separators=(",", ":")).encode()
    js += b" " * ((8 - (8 + len(js)) % 8) % 8)
    with open(dst_path, "wb") as f:
        f.write(struct.pack("<Q", len(js)) + js + blob[8 + n:])


with tempfile.TemporaryDirectory() as tmp:
    # a clean environment: no models anywhere, so the CLI falls back to the test set
    env = dict(os.environ, RECTIFY_MODELS="", XDG_DATA_HOME=os.path.join(tmp, "xdg-data"),
               XDG_CACHE_HOME=os.path.join(tmp, "xdg-cache"),
               XDG_CONFIG_HOME=os.path.join(tmp, "xdg-config"), LC_ALL="C.UTF-8")
    gegl_path = gegl_module_dir(tmp)
    if gegl_path:
        env["GEGL_PATH"] = gegl_path

    def rr(*args):
        return run(*args, env=env)

    def files():
        return sorted(f for f in os.listdir(tmp) if not f.startswith(("xdg", "gegl-modules")))

    def fails_cleanly(name, args, expect):
        before = files()
        r = rr(*args)
        err = r.stderr.decode(errors="replace")
        ok = r.returncode != 0 and expect.lower() in err.lower() and files() == before
        report(name, ok, err.strip().splitlines()[-1][:90] if err.strip() else f"rc {r.returncode}")

    for cmd in ("generate", "invert", "reconstruct", "edit", "inpaint"):
        r = rr(cmd, "--help")
        report(f"{cmd} --help", r.returncode == 0 and b"--seed" in r.stdout
               and b"--device" in r.stdout and b"--preview-every" in r.stdout)

    # the README's main job, on a fresh machine (no model installed)
    out = os.path.join(tmp, "balloon.png")
    r = rr("inpaint", os.path.join(examples, "landscape.png"), "--mask",
           os.path.join(examples, "landscape-mask.png"), "-p", "a red hot air balloon",
           "-o", out, "--seed", "1", "--device", "cpu")
    err = r.stderr.decode()
    ok = (r.returncode == 0 and os.path.exists(out) and png_info(out)[:2] == (256, 192)
          and "tiny test model" in err and "checks the pipeline only" in err
          and "flux1-dev.safetensors" in err and "ae.safetensors" in err
          and ".local/share/rectify/models" in err)
    report("README inpaint on a fresh machine: test model, says so", ok,
           f"rc {r.returncode} {metadata(r.stdout).get('method', '')}")
    os.rename(out, os.path.join(tmp, "balloon-1.png"))
    rr("inpaint", os.path.join(examples, "landscape.png"), "--mask",
       os.path.join(examples, "landscape-mask.png"), "-p", "a red hot air balloon",
       "-o", out, "--seed", "1", "--device", "cpu", "-q")
    same = open(out, "rb").read() == open(os.path.join(tmp, "balloon-1.png"), "rb").read()
    report("same seed, same file", same)
    os.remove(os.path.join(tmp, "balloon-1.png"))
    os.remove(out)

    # --strength: the schedule's last share of the steps; metadata says so
    # (and only then)
    def inpaint_meta(*extra):
        r = rr("inpaint", os.path.join(examples, "landscape.png"), "--mask",
               os.path.join(examples, "landscape-mask.png"), "-p", "a red hot air balloon",
               "-o", out, "--seed", "1", "--device", "cpu", "--steps", "6", *extra)
        return r, metadata(r.stdout)

    r, full = inpaint_meta()
    report("inpaint without --strength: no strength line", r.returncode == 0
           and "strength" not in full and full.get("steps") == "6", f"steps {full.get('steps')}")
    full_png = open(out, "rb").read() if r.returncode == 0 else b""
    r, one = inpaint_meta("--strength", "1")
    report("--strength 1: the same file", r.returncode == 0 and "strength" not in one
           and open(out, "rb").read() == full_png)
    r, half = inpaint_meta("--strength", "0.5")
    ok = (r.returncode == 0 and half.get("strength") == "0.5" and half.get("steps") == "3"
          and half.get("nfe") == "3" and open(out, "rb").read() != full_png)
    report("--strength 0.5: half the steps, another image", ok,
           f"rc {r.returncode} steps {half.get('steps')} nfe {half.get('nfe')} "
           f"strength {half.get('strength')} " + r.stderr.decode().strip()[-60:])
    os.remove(out)
    for bad in ("0", "1.5", "nan", "-0.2"):
        fails_cleanly(f"--strength {bad} refused", (
            "inpaint", os.path.join(examples, "landscape.png"), "--mask",
            os.path.join(examples, "landscape-mask.png"), "-o", out, "--device", "cpu",
            "--strength", bad), "--strength takes a number above 0 and at most 1")

    # sizes and depths: 17x33 16-bit RGBA in, same size and depth out
    src16 = os.path.join(tmp, "in16.png")
    write_png(src16, 17, 33, lambda x, y: (x * 3000, y * 1900, 40000, 65535), depth=16, ctype=6)
    out = os.path.join(tmp, "edit16.png")
    r = rr("edit", src16, "-s", "grey", "-p", "blue", "--steps", "3", "-o", out, "--device", "cpu",
           "-q")
    info = png_info(out) if os.path.exists(out) else None
    report("edit 17x33 16-bit PNG keeps size and depth", r.returncode == 0 and info is not None
           and info[:3] == (17, 33, 16), f"{info}")
    for ext, magic in (("tif", (b"II*\x00", b"MM\x00*")), ("exr", (b"\x76\x2f\x31\x01",)),
                       ("jpg", (b"\xff\xd8",))):
        out = os.path.join(tmp, f"gen.{ext}")
        r = rr("generate", "-p", "a lighthouse", "-W", "24", "-H", "16", "--steps", "2",
               "-o", out, "--device", "cpu", "-q")
        ok = r.returncode == 0 and open(out, "rb").read(4).startswith(magic) if os.path.exists(
            out) else False
        report(f"generate writes .{ext}", ok, "" if ok else r.stderr.decode().strip()[-80:])
    # a JPEG and a TIFF as inputs
    for ext in ("jpg", "tif"):
        out = os.path.join(tmp, f"rec-{ext}.png")
        r = rr("reconstruct", os.path.join(tmp, f"gen.{ext}"), "--steps", "4", "-o", out,
               "--device", "cpu", "-q")
        m = metadata(r.stdout)
        report(f"reconstruct from .{ext} prints PSNR", r.returncode == 0 and "psnr" in m
               and png_info(out)[:2] == (24, 16), m.get("psnr", r.stderr.decode()[-80:]))

    # invert -> generate --noise is the reconstruction
    photo = os.path.join(tmp, "photo.png")
    write_png(photo, 32, 24, lambda x, y: (x * 8, y * 10, 128))
    noise = os.path.join(tmp, "noise.npy")
    r1 = rr("invert", photo, "-s", "a dog", "--steps", "5", "-o", noise, "--device", "cpu", "-q")
    rec, gen = os.path.join(tmp, "rec.png"), os.path.join(tmp, "gen-from-noise.png")
    r2 = rr("reconstruct", photo, "-s", "a dog", "--steps", "5", "-o", rec, "--device", "cpu",
            "-q")
    r3 = rr("generate", "--noise", noise, "-p", "a dog", "--steps", "5", "--guidance", "1",
            "--solver", "rf2", "-o", gen, "--device", "cpu", "-q")
    ok = all(x.returncode == 0 for x in (r1, r2, r3)) and open(rec, "rb").read() == open(
        gen, "rb").read()
    report("invert, then generate --noise = reconstruct", ok,
           " / ".join(x.stderr.decode().strip()[-60:] for x in (r1, r2, r3) if x.returncode))

    # Vulkan end to end, small
    out = os.path.join(tmp, "vk.png")
    vk_env = dict(env, ASAN_OPTIONS=env.get("ASAN_OPTIONS", "").replace(
        "fast_unwind_on_malloc=0", "fast_unwind_on_malloc=1"))
    r = run("generate", "-p", "x", "-W", "16", "-H", "16", "--steps", "2", "-o", out,
            "--device", "vulkan", "-q", env=vk_env)
    if r.returncode != 0 and b"no Vulkan device" in r.stderr:
        print("skip generate on vulkan: no device")
    else:
        report("generate on vulkan", r.returncode == 0 and os.path.exists(out),
               "" if r.returncode == 0 else r.stderr.decode().strip()[-80:])
        if os.path.exists(out):
            os.remove(out)

    # previews: written while running, removed at the end
    out = os.path.join(tmp, "prev.png")
    r = rr("generate", "-p", "x", "-W", "16", "-H", "16", "--steps", "4", "--preview-every", "2",
           "-o", out, "--device", "cpu", "-q")
    report("--preview-every: no preview left behind", r.returncode == 0
           and not os.path.exists(os.path.join(tmp, "prev.preview.png")), str(files()))
    os.remove(out)

    # Ctrl-C: cancels between steps, leaves nothing
    out = os.path.join(tmp, "cancelled.png")
    p = subprocess.Popen([rectify, "generate", "-p", "x", "-W", "64", "-H", "64", "--steps",
                          "1000", "-o", out, "--device", "cpu"], stderr=subprocess.PIPE,
                         stdout=subprocess.PIPE, env=env)
    line, t0 = b"", time.time()
    while b"sample" not in line and time.time() - t0 < 30:
        line = p.stderr.readline()
        if not line and p.poll() is not None:
            break
    p.send_signal(signal.SIGINT)
    so, se = p.communicate(timeout=60)
    report("Ctrl-C: cancelled, exit 130, no output", p.returncode == 130
           and not os.path.exists(out) and files() == sorted(
               f for f in files() if not f.startswith(".cancelled")) and b"cancelled" in se,
           f"rc {p.returncode}")

    # bad input
    one = os.path.join(tmp, "one.png")
    write_png(one, 1, 1, lambda x, y: (1, 2, 3))
    mask_other = os.path.join(tmp, "mask-other.png")
    write_png(mask_other, 20, 24, lambda x, y: (255,), ctype=0)
    mask_empty = os.path.join(tmp, "mask-empty.png")
    write_png(mask_empty, 32, 24, lambda x, y: (0,), ctype=0)
    mask_full = os.path.join(tmp, "mask-full.png")
    write_png(mask_full, 32, 24, lambda x, y: (255,), ctype=0)
    mask_ok = os.path.join(tmp, "mask-ok.png")
    write_png(mask_ok, 32, 24, lambda x, y: (255 if 10 < x < 20 and 8 < y < 16 else 0,), ctype=0)
    res = os.path.join(tmp, "res.png")
    cpu = ("--device", "cpu", "--steps", "2")
    fails_cleanly("1x1 image", ("edit", one, "-p", "x", "-o", res, *cpu), "at least 8")
    fails_cleanly("missing input", ("edit", os.path.join(tmp, "nope.png"), "-o", res, *cpu),
                  "no such file")
    fails_cleanly("input that is not an image", ("edit", noise, "-o", res, *cpu),
                  "not an image Rectify can read")
    fails_cleanly("mask of another size", ("inpaint", photo, "--mask", mask_other, "-o", res,
                                           *cpu), "same size")
    fails_cleanly("empty mask: nothing to do", ("inpaint", photo, "--mask", mask_empty, "-o", res,
                                                *cpu), "nothing to inpaint")
    fails_cleanly("fully white mask", ("inpaint", photo, "--mask", mask_full, "-o", res, *cpu),
                  "completely white")
    fails_cleanly("prompt not UTF-8", ("inpaint", photo, "--mask", mask_ok, "-p", b"caf\xe9",
                                       "-o", res, *cpu), "UTF-8")
    fails_cleanly("output folder missing", ("generate", "-p", "x", "-o",
                                            os.path.join(tmp, "no", "dir", "x.png"), *cpu),
                  "does not exist")
    fails_cleanly("output format unknown", ("generate", "-p", "x", "-o",
                                            os.path.join(tmp, "x.bmpx"), *cpu), "format")
    ro = os.path.join(tmp, "readonly")
    os.mkdir(ro)
    os.chmod(ro, 0o555)
    if os.access(ro, os.W_OK):
        print("skip unwritable folder: running as root can write anywhere")
        fails_cleanly("output path is a folder", ("generate", "-p", "x", "-o", ro + "/", *cpu),
                      "cannot tell the format")
    else:
        fails_cleanly("unwritable output folder", ("generate", "-p", "x", "-o",
                                                   os.path.join(ro, "x.png"), *cpu),
                      "cannot write")
    os.rmdir(ro)
    # missing model parts
    only_flux = os.path.join(tmp, "only-flux")
    os.mkdir(only_flux)
    shutil.copy(os.path.join(models, "flux-dev.safetensors"), only_flux)
    fails_cleanly("no autoencoder", ("generate", "-p", "x", "--model-dir", only_flux, "-o", res,
                                     *cpu), "autoencoder")
    real_like = os.path.join(tmp, "real-like")
    os.mkdir(real_like)
    strip_test_marker(os.path.join(models, "flux-dev.safetensors"),
                      os.path.join(real_like, "flux.safetensors"))
    shutil.copy(os.path.join(models, "ae.safetensors"), real_like)
    fails_cleanly("no text encoder", ("generate", "-p", "x", "--model-dir", real_like, "-o", res,
                                      *cpu), "no text encoder")
    fails_cleanly("no transformer in --model-dir", ("generate", "-p", "x", "--model-dir", ro + "x",
                                                    "-o", res, *cpu), "no FLUX.1 transformer")
    fails_cleanly("--model that is not a transformer", ("generate", "-p", "x", "--model",
                                                        os.path.join(models, "ae.safetensors"),
                                                        "-o", res, *cpu), "no FLUX.1 transformer")
    # the same real-like set with precomputed embeddings works
    cond = os.path.join(tmp, "cond")
    os.mkdir(cond)

    def npy(path, shape):
        hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % (
            ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else ""))
        hdr += " " * ((64 - (10 + len(hdr) + 1) % 64) % 64) + "\n"
        n = 1
        for d in shape:
            n *= d
        with open(path, "wb") as f:
            f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode()
                    + struct.pack(f"<{n}f", *[((i * 37) % 11 - 5) / 5.0 for i in range(n)]))

    npy(os.path.join(cond, "txt.npy"), (1, 5, 32))
    npy(os.path.join(cond, "y.npy"), (1, 32))
    text = os.path.join(src, "tests", "data", "text")
    r = rr("generate", "--model-dir", real_like, "-p", "a lighthouse", "-W", "16", "-H", "16",
           "--clip", os.path.join(text, "clip-encoder", "model.safetensors"),
           "--t5", os.path.join(text, "t5-encoder", "model.safetensors"),
           "--clip-tokenizer", os.path.join(text, "clip", "tokenizer.json"),
           "--t5-tokenizer", os.path.join(text, "t5", "spiece.model"), "-o", res, *cpu, "-q")
    report("text encoders (--clip, --t5)", r.returncode == 0 and os.path.exists(res),
           r.stderr.decode().strip()[-80:])
    if os.path.exists(res):
        os.remove(res)
    r = rr("generate", "--model-dir", real_like, "--cond-dir", cond, "-W", "16", "-H", "16",
           "-o", res, *cpu, "-q")
    report("precomputed embeddings (--cond-dir)", r.returncode == 0 and os.path.exists(res),
           r.stderr.decode().strip()[-80:])
    if os.path.exists(res):
        os.remove(res)

    # GEGL without its PNG operations (a stripped install): PNG through libpng,
    # other formats refused before any work, nothing left behind.
    empty_gegl = os.path.join(tmp, "gegl-none")
    os.mkdir(empty_gegl)
    bare = dict(env, GEGL_PATH=empty_gegl)
    out = os.path.join(tmp, "libpng.png")
    r = run("inpaint", os.path.join(examples, "landscape.png"), "--mask",
            os.path.join(examples, "landscape-mask.png"), "-p", "a balloon", "-o", out, *cpu,
            "-q", env=bare)
    ok = r.returncode == 0 and os.path.exists(out)
    report("no GEGL PNG ops: PNG through libpng", ok and png_info(out)[:2] ==
           png_info(os.path.join(examples, "landscape.png"))[:2], r.stderr.decode().strip()[-80:])
    if os.path.exists(out):
        os.remove(out)
    before = files()
    r = run("inpaint", os.path.join(examples, "landscape.png"), "--mask",
            os.path.join(examples, "landscape-mask.png"), "-p", "a balloon",
            "-o", os.path.join(tmp, "x.jpg"), *cpu, env=bare)
    err = r.stderr.decode()
    report("no GEGL JPEG ops: .jpg refused up front", r.returncode != 0 and "PNG only" in err
           and files() == before, err.strip()[-80:])

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
