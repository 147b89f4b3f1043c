#!/usr/bin/env python3
"""test-service-cli.py — the image-job commands through the engine service
against --local: the same output bytes, the same printed metadata (but the
timing line) and exit codes; Ctrl-C cancels the service's job (exit 130,
nothing written) and the service keeps serving; RECTIFY_LOCAL=1 starts no
service; --service with --local is a usage error. Runs in a private
XDG_RUNTIME_DIR and stops the service it started. Standard library only.

usage: test-service-cli.py RECTIFY
"""
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

rectify = os.path.abspath(sys.argv[1])
passed = failed = 0


def report(name, ok, detail=""):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + f"{name:48s} {detail}", flush=True)
    if ok:
        passed += 1
    else:
        failed += 1


def write_png(path, w, h, pixel, ctype=2):
    n = {0: 1, 2: 3}[ctype]
    raw = b"".join(b"\x00" + b"".join(struct.pack("B" * n, *pixel(x, y)) for x in range(w))
                   for y in range(h))

    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype,
                                                                0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def without_time(stdout):
    return [l for l in stdout.decode().splitlines() if not l.startswith("time:")]


tmp = tempfile.mkdtemp(prefix="rectify-service-cli-")
runtime = os.path.join(tmp, "run")
os.mkdir(runtime, 0o700)
env = dict(os.environ, XDG_RUNTIME_DIR=runtime, RECTIFY_MODELS="",
           XDG_DATA_HOME=os.path.join(tmp, "xdg-data"), XDG_CACHE_HOME=os.path.join(tmp, "xdg-cache"),
           XDG_CONFIG_HOME=os.path.join(tmp, "xdg-config"), LC_ALL="C.UTF-8",
           RECTIFY_SERVICE_IDLE_TIMEOUT="120")
for k in ("RECTIFY_LOCAL", "RECTIFY_SERVE_COMMAND"):
    env.pop(k, None)
gegl_path = gegl_module_dir(tmp)
if gegl_path:
    env["GEGL_PATH"] = gegl_path
sock = os.path.join(runtime, "rectify", "service.sock")


def run(*args, extra_env=None):
    e = dict(env, **(extra_env or {}))
    return subprocess.run([rectify, *args], capture_output=True, env=e, cwd=tmp)


def service_pid():
    r = run("serve", "--status")
    for line in r.stdout.decode().splitlines():
        if line.startswith("pid: "):
            return int(line[5:])
    return None


try:
    write_png(os.path.join(tmp, "in.png"), 64, 48, lambda x, y: (x * 4, y * 5, (x * y) % 256))
    write_png(os.path.join(tmp, "mask.png"), 64, 48,
              lambda x, y: (255 if 20 <= x < 44 and 14 <= y < 34 else 0,), ctype=0)
    common = ["--seed", "5", "--steps", "3", "--device", "cpu"]
    jobs = {
        "generate": ["generate", "-p", "a red ball", "-W", "64", "-H", "48"],
        "edit": ["edit", "in.png", "-s", "stripes", "-p", "a red ball"],
        "inpaint": ["inpaint", "in.png", "--mask", "mask.png", "-p", "a red ball"],
        "inpaint blend": ["inpaint", "in.png", "--mask", "mask.png", "-p", "x",
                          "--method", "blend"],
        "inpaint strength": ["inpaint", "in.png", "--mask", "mask.png", "-p", "x",
                             "--strength", "0.7"],
        "invert": ["invert", "in.png", "-s", "stripes"],
        "reconstruct": ["reconstruct", "in.png"],
    }
    for name, args in jobs.items():
        ext = ".npy" if name == "invert" else ".png"
        outs = {}
        for mode in ("--service", "--local"):
            out = os.path.join(tmp, f"{name.replace(' ', '-')}{mode}{ext}")
            r = run(*args, *common, "-o", out, mode)
            outs[mode] = (r.returncode, without_time(r.stdout), open(out, "rb").read()
                          if os.path.exists(out) else None, r.stderr.decode())
        s, l = outs["--service"], outs["--local"]
        same = s[0] == l[0] == 0 and s[2] is not None and s[2] == l[2] \
            and [x for x in s[1] if not x.startswith("output:")] \
            == [x for x in l[1] if not x.startswith("output:")]
        report(f"{name}: service = local", same,
               f"exit {s[0]}/{l[0]}, {len(s[2] or b'')} bytes" if same
               else f"exit {s[0]}/{l[0]}\n--service:\n{s[3]}\n--local:\n{l[3]}\n{s[1]}\n{l[1]}")

    pid = service_pid()
    report("the service runs after the jobs", pid is not None, f"pid {pid}")

    # an error in the pipeline is the same message and exit code both ways
    write_png(os.path.join(tmp, "small-mask.png"), 32, 32, lambda x, y: (255,), ctype=0)
    errs = [run("inpaint", "in.png", "--mask", "small-mask.png", "-p", "x", "-o", os.path.join(tmp, "e.png"), mode,
                *common) for mode in ("--service", "--local")]
    report("mask of another size: same error both ways",
           errs[0].returncode == errs[1].returncode == 1 and errs[0].stderr == errs[1].stderr,
           errs[0].stderr.decode().strip()[:80])

    # Ctrl-C cancels the service's job: 130, nothing written, service still serving
    out = os.path.join(tmp, "cancelled.png")
    p = subprocess.Popen([rectify, *jobs["generate"], "--steps", "1000", "--seed", "1",
                          "--device", "cpu", "-o", out, "--service"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp)
    seen = b""
    deadline = time.time() + 30
    while b"sample" not in seen and time.time() < deadline:
        line = p.stderr.readline()
        if not line:
            break
        seen += line
    p.send_signal(signal.SIGINT)
    t0 = time.time()
    _, err = p.communicate(timeout=30)
    report("Ctrl-C: exit 130, nothing written", p.returncode == 130 and not os.path.exists(out),
           f"exit {p.returncode} after {time.time() - t0:.2f} s")
    report("Ctrl-C: the same service still serves", service_pid() == pid, f"pid {service_pid()}")
    r = run(*jobs["generate"], *common, "-o", os.path.join(tmp, "after.png"))
    report("default (no flag) uses the running service", r.returncode == 0
           and open(os.path.join(tmp, "after.png"), "rb").read()
           == open(os.path.join(tmp, "generate--service.png"), "rb").read()
           and service_pid() == pid, f"exit {r.returncode}")

    r = run(*jobs["generate"], *common, "-o", "x.png", "--service", "--local")
    report("--service with --local: usage error", r.returncode == 2 and not os.path.exists(
        os.path.join(tmp, "x.png")), r.stderr.decode().strip())

    r = run("serve", "--stop")
    gone = False
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            gone = True
            break
        time.sleep(0.05)
    report("serve --stop: the service exits", r.returncode == 0 and gone)

    # RECTIFY_LOCAL=1: runs in process, starts no service
    r = run(*jobs["generate"], *common, "-o", os.path.join(tmp, "env-local.png"),
            extra_env={"RECTIFY_LOCAL": "1"})
    report("RECTIFY_LOCAL=1: in process, no service started",
           r.returncode == 0 and not os.path.exists(sock) and service_pid() is None,
           f"exit {r.returncode}")

    log = os.path.join(runtime, "rectify", "service.log")
    text = open(log).read() if os.path.exists(log) else ""
    report("service log holds no sanitizer report", "Sanitizer" not in text)
finally:
    pid = service_pid()
    if pid:
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(tmp, ignore_errors=True)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
