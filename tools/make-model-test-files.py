#!/usr/bin/python3
"""Generates the committed model-file test data:

  tests/data/model/quant-types.gguf   every GGUF tensor type we read, with
      random blocks, plus "<name>.expected" F32 tensors holding the values
      a NumPy re-implementation of ggml's dequantize_row_* gives (same
      float32 operations in the same order, so the C reader must match
      bit for bit); metadata of every GGUF value type.
  tests/data/model/numpy-f32.npy, numpy-f16.npy   written by numpy itself.
  tests/data/model/malformed/*        damaged or hostile files, and
      expected.txt: "file<TAB>error code<TAB>text the message contains".
  fuzz/corpus/{safetensors,gguf,npy}/ seeds for the fuzzers.

Run from the repository root: /usr/bin/python3 tools/make-model-test-files.py
Needs python3-numpy. Output is deterministic (fixed seed).
"""
import io
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_writer as G  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "model")
BAD = os.path.join(DATA, "malformed")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
rng = np.random.default_rng(20240901)
f32 = np.float32

# ---------------------------------------------------------------- dequant


def half(b, off):
    """f16 at byte offset(s) `off` of block rows b (n_blocks, bytes)."""
    return b[:, off:off + 2].copy().view(np.float16).astype(f32)[:, 0]


def deq_q8_0(b):
    d = half(b, 0)[:, None]
    q = b[:, 2:34].view(np.int8).astype(f32)
    return q * d


def deq_q4_0(b):
    d = half(b, 0)[:, None]
    qs = b[:, 2:18]
    lo = ((qs & 0x0F).astype(np.int32) - 8).astype(f32)
    hi = ((qs >> 4).astype(np.int32) - 8).astype(f32)
    return np.concatenate([lo * d, hi * d], axis=1)


def deq_q4_1(b):
    d = half(b, 0)[:, None]
    m = half(b, 2)[:, None]
    qs = b[:, 4:20]
    lo = (qs & 0x0F).astype(f32)
    hi = (qs >> 4).astype(f32)
    return np.concatenate([lo * d + m, hi * d + m], axis=1)


def fifth_bits(qh_bytes):
    qh = qh_bytes.copy().view("<u4")[:, 0].astype(np.uint64)
    bits = np.array([(qh >> j) & 1 for j in range(32)]).T  # (n, 32)
    return bits.astype(np.int32)


def deq_q5_0(b):
    d = half(b, 0)[:, None]
    bits = fifth_bits(b[:, 2:6])
    qs = b[:, 6:22].astype(np.int32)
    lo = ((qs & 0x0F) | (bits[:, :16] << 4)) - 16
    hi = ((qs >> 4) | (bits[:, 16:] << 4)) - 16
    return np.concatenate([lo.astype(f32) * d, hi.astype(f32) * d], axis=1)


def deq_q5_1(b):
    d = half(b, 0)[:, None]
    m = half(b, 2)[:, None]
    bits = fifth_bits(b[:, 4:8])
    qs = b[:, 8:24].astype(np.int32)
    lo = ((qs & 0x0F) | (bits[:, :16] << 4)).astype(f32)
    hi = ((qs >> 4) | (bits[:, 16:] << 4)).astype(f32)
    return np.concatenate([lo * d + m, hi * d + m], axis=1)


def k_scales(s):
    """12 packed bytes -> 8 scales and 8 mins (6 bits each)."""
    s = s.astype(np.int32)
    sc = np.zeros((s.shape[0], 8), np.int32)
    mn = np.zeros((s.shape[0], 8), np.int32)
    for j in range(8):
        if j < 4:
            sc[:, j] = s[:, j] & 63
            mn[:, j] = s[:, j + 4] & 63
        else:
            sc[:, j] = (s[:, j + 4] & 0x0F) | ((s[:, j - 4] >> 6) << 4)
            mn[:, j] = (s[:, j + 4] >> 4) | ((s[:, j] >> 6) << 4)
    return sc, mn


def deq_q4_k(b):
    d = half(b, 0)
    dmin = half(b, 2)
    sc, mn = k_scales(b[:, 4:16])
    qs = b[:, 16:144].astype(np.int32)
    out = []
    for g in range(4):  # 64 elements per group: sub-blocks 2g (low), 2g+1 (high)
        q = qs[:, 32 * g:32 * g + 32]
        for half_i, vals in ((0, q & 0x0F), (1, q >> 4)):
            j = 2 * g + half_i
            dl = (d * sc[:, j].astype(f32))[:, None]
            ml = (dmin * mn[:, j].astype(f32))[:, None]
            out.append(dl * vals.astype(f32) - ml)
    return np.concatenate(out, axis=1)


def deq_q5_k(b):
    d = half(b, 0)
    dmin = half(b, 2)
    sc, mn = k_scales(b[:, 4:16])
    qh = b[:, 16:48].astype(np.int32)
    qs = b[:, 48:176].astype(np.int32)
    out = []
    for g in range(4):
        q = qs[:, 32 * g:32 * g + 32]
        for half_i, vals in ((0, q & 0x0F), (1, q >> 4)):
            j = 2 * g + half_i
            hb = ((qh >> j) & 1) * 16
            dl = (d * sc[:, j].astype(f32))[:, None]
            ml = (dmin * mn[:, j].astype(f32))[:, None]
            out.append(dl * (vals + hb).astype(f32) - ml)
    return np.concatenate(out, axis=1)


def deq_q6_k(b):
    ql = b[:, 0:128].astype(np.int32)
    qh = b[:, 128:192].astype(np.int32)
    sc = b[:, 192:208].view(np.int8).astype(f32)
    d = half(b, 208)
    y = np.zeros((b.shape[0], 256), f32)
    for n in range(2):
        l_ = ql[:, 64 * n:64 * n + 64]
        h_ = qh[:, 32 * n:32 * n + 32]
        for l in range(32):
            is_ = l // 16
            q1 = ((l_[:, l] & 0xF) | (((h_[:, l] >> 0) & 3) << 4)) - 32
            q2 = ((l_[:, l + 32] & 0xF) | (((h_[:, l] >> 2) & 3) << 4)) - 32
            q3 = ((l_[:, l] >> 4) | (((h_[:, l] >> 4) & 3) << 4)) - 32
            q4 = ((l_[:, l + 32] >> 4) | (((h_[:, l] >> 6) & 3) << 4)) - 32
            base = 128 * n
            for k, q in enumerate((q1, q2, q3, q4)):
                s = sc[:, 8 * n + is_ + 2 * k]
                y[:, base + l + 32 * k] = (d * s) * q.astype(f32)
    return y


QTYPES = {  # name: (block elems, block bytes, f16 offsets, dequant)
    "Q8_0": (32, 34, [0], deq_q8_0),
    "Q4_0": (32, 18, [0], deq_q4_0),
    "Q4_1": (32, 20, [0, 2], deq_q4_1),
    "Q5_0": (32, 22, [0], deq_q5_0),
    "Q5_1": (32, 24, [0, 2], deq_q5_1),
    "Q4_K": (256, 144, [0, 2], deq_q4_k),
    "Q5_K": (256, 176, [0, 2], deq_q5_k),
    "Q6_K": (256, 210, [208], deq_q6_k),
}


def random_blocks(name, n_blocks):
    elems, nbytes, halves, _ = QTYPES[name]
    b = rng.integers(0, 256, size=(n_blocks, nbytes), dtype=np.uint8)
    for off in halves:  # finite scales in a realistic range, either sign
        h = (rng.uniform(0.001, 0.05, n_blocks) * rng.choice([-1, 1], n_blocks)).astype(np.float16)
        b[:, off:off + 2] = h.view(np.uint8).reshape(n_blocks, 2)
    return b


def make_quant_gguf():
    tensors = []
    for name, (elems, nbytes, _, deq) in QTYPES.items():
        rows = 3
        cols = elems * 2
        b = random_blocks(name, rows * 2)
        expected = deq(b).reshape(rows, cols).astype(f32)
        tensors.append((name.lower(), [rows, cols], name, b.tobytes()))
        tensors.append((name.lower() + ".expected", [rows, cols], "F32", expected.tobytes()))
    x = rng.standard_normal((2, 3, 4)).astype(f32)
    tensors.append(("f32", [2, 3, 4], "F32", x.tobytes()))
    tensors.append(("f16", [2, 3, 4], "F16", x.astype(np.float16).tobytes()))
    tensors.append(("f16.expected", [2, 3, 4], "F32", x.astype(np.float16).astype(f32).tobytes()))
    bf = (x.view(np.uint32) >> 16).astype(np.uint16)  # truncation: exact in bf16
    tensors.append(("bf16", [2, 3, 4], "BF16", bf.tobytes()))
    tensors.append(("bf16.expected", [2, 3, 4], "F32", (bf.astype(np.uint32) << 16).view(f32).tobytes()))
    kvs = [
        ("general.architecture", G.STRING, "rectify-test"),
        ("general.alignment", G.U32, 64),
        ("test.u8", G.U8, 200), ("test.i8", G.I8, -100),
        ("test.u16", G.U16, 60000), ("test.i16", G.I16, -30000),
        ("test.u32", G.U32, 4000000000), ("test.i32", G.I32, -2000000000),
        ("test.f32", G.F32, 1.5), ("test.bool", G.BOOL, 1),
        ("test.string", G.STRING, "héllo wörld"),
        ("test.u64", G.U64, 2 ** 63 + 5), ("test.i64", G.I64, -2 ** 62),
        ("test.f64", G.F64, -0.25),
        ("test.array.i32", G.ARRAY, (G.I32, [1, -2, 3])),
        ("test.array.string", G.ARRAY, (G.STRING, ["a", "", "▁tok"])),
        ("test.array.nested", G.ARRAY, (G.ARRAY, [(G.U8, [1, 2]), (G.STRING, ["x"])])),
        ("test.array.empty", G.ARRAY, (G.F32, [])),
        ("general.quantization_version", G.U32, 2),
    ]
    data = G.build(kvs, tensors, alignment=64)
    write(os.path.join(DATA, "quant-types.gguf"), data)
    return data


# ---------------------------------------------------------------- safetensors

def safetensors_bytes(tensors, metadata=None, header_override=None):
    """tensors: [(name, dtype, shape, raw bytes)]"""
    hdr = {}
    if metadata:
        hdr["__metadata__"] = metadata
    off = 0
    data = b""
    for name, dt, shape, raw in tensors:
        hdr[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        data += raw
    text = header_override if header_override is not None else json.dumps(hdr).encode()
    text += b" " * ((-len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def st_raw(header, data=b"", n=None):
    if isinstance(header, str):
        header = header.encode()
    return struct.pack("<Q", len(header) if n is None else n) + header + data


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def make_malformed(quant_gguf):
    cases = []  # (file, code, substring, bytes)

    def add(name, code, sub, data):
        cases.append((name, code, sub, data))

    good = safetensors_bytes([("a", "F32", [2, 2], b"\0" * 16), ("b", "F16", [3], b"\0" * 6)],
                             {"format": "pt"})
    hlen = struct.unpack("<Q", good[:8])[0]
    add("st-empty.safetensors", "FORMAT", "empty", b"")
    add("st-short.safetensors", "FORMAT", "only 5 bytes", b"\x10\0\0\0\0")
    add("st-truncated-length.safetensors", "FORMAT", "only 7 bytes", good[:7])
    add("st-truncated-header.safetensors", "FORMAT", "runs past the end", good[:8 + hlen // 2])
    add("st-truncated-at-data.safetensors", "FORMAT", "outside the 0-byte data section", good[:8 + hlen])
    add("st-truncated-data.safetensors", "FORMAT", "outside the", good[:-3])
    add("st-header-past-eof.safetensors", "FORMAT", "runs past the end", st_raw("{}", n=4096))
    add("st-header-huge.safetensors", "FORMAT", "100 MB", st_raw("{}", n=1 << 40))
    add("st-header-not-object.safetensors", "FORMAT", "does not start with '{'", st_raw("[1, 2]  "))
    add("st-not-json.safetensors", "FORMAT", "not valid JSON", st_raw('{"a": {"dtype": }'))
    add("st-invalid-utf8-name.safetensors", "FORMAT", "not valid UTF-8",
        st_raw(b'{"\xff\xfe": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', b"\0" * 4))
    add("st-nul-in-header.safetensors", "FORMAT", "not valid UTF-8",
        st_raw(b'{"a\0b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', b"\0" * 4))
    add("st-duplicate-name.safetensors", "FORMAT", "duplicate key",
        st_raw('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, '
               '"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}', b"\0" * 8))
    add("st-duplicate-field.safetensors", "FORMAT", "duplicate key",
        st_raw('{"a": {"dtype": "F32", "dtype": "F16", "shape": [1], "data_offsets": [0, 4]}}', b"\0" * 4))
    add("st-deep-nesting.safetensors", "FORMAT", "nests deeper",
        st_raw('{"a": ' + "[" * 200 + "]" * 200 + "}"))
    add("st-overlap.safetensors", "FORMAT", "overlap",
        st_raw('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, '
               '"b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}', b"\0" * 12))
    add("st-offset-out-of-range.safetensors", "FORMAT", "outside the 8-byte data section",
        st_raw('{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}', b"\0" * 8))
    add("st-offset-reversed.safetensors", "FORMAT", "outside",
        st_raw('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}}', b"\0" * 8))
    add("st-offset-negative.safetensors", "FORMAT", "data_offsets",
        st_raw('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}', b"\0" * 8))
    add("st-size-mismatch.safetensors", "FORMAT", "cover 8 bytes",
        st_raw('{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}', b"\0" * 12))
    add("st-unknown-dtype.safetensors", "FORMAT", "unknown dtype 'F17'",
        st_raw('{"a": {"dtype": "F17", "shape": [1], "data_offsets": [0, 4]}}', b"\0" * 4))
    add("st-unsupported-dtype.safetensors", "UNSUPPORTED", "U32",
        st_raw('{"a": {"dtype": "U32", "shape": [1], "data_offsets": [0, 4]}}', b"\0" * 4))
    add("st-shape-overflow.safetensors", "FORMAT", "overflows",
        st_raw('{"a": {"dtype": "F32", "shape": [1099511627776, 1099511627776], "data_offsets": [0, 4]}}',
               b"\0" * 4))
    add("st-dim-too-large.safetensors", "FORMAT", "outside [0, 2^40]",
        st_raw('{"a": {"dtype": "F32", "shape": [1099511627777], "data_offsets": [0, 4]}}', b"\0" * 4))
    add("st-shape-negative.safetensors", "FORMAT", "non-negative",
        st_raw('{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}', b"\0" * 4))
    add("st-shape-float.safetensors", "FORMAT", "non-negative",
        st_raw('{"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}', b"\0" * 4))
    add("st-rank5.safetensors", "UNSUPPORTED", "5 dimensions",
        st_raw('{"a": {"dtype": "F32", "shape": [1,1,1,1,1], "data_offsets": [0, 4]}}', b"\0" * 4))
    add("st-huge-number.safetensors", "FORMAT", "digits",
        st_raw('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [18446744073709551620, 4]}}',
               b"\0" * 4))
    add("st-metadata-not-string.safetensors", "FORMAT", "not a string",
        st_raw('{"__metadata__": {"k": 5}}'))
    add("st-missing-offsets.safetensors", "FORMAT", "data_offsets",
        st_raw('{"a": {"dtype": "F32", "shape": [1]}}', b"\0" * 4))
    add("st-tensor-not-object.safetensors", "FORMAT", "not a JSON object", st_raw('{"a": 5}'))
    add("st-no-dtype.safetensors", "FORMAT", "dtype",
        st_raw('{"a": {"shape": [1], "data_offsets": [0, 4]}}', b"\0" * 4))

    # GGUF: a small valid file, then damage at each boundary
    kvs = [("general.architecture", G.STRING, "flux"), ("general.alignment", G.U32, 32)]
    ok = G.build(kvs, [("w", [2, 32], "Q8_0", b"\0" * 68), ("b", [4], "F32", b"\0" * 16)])
    hdr_end = 24
    kv_end = hdr_end + len(G.gguf_kv(*kvs[0])) + len(G.gguf_kv(*kvs[1]))
    info_end = kv_end + len(G.tensor_info("w", [2, 32], 8, 0)) + len(G.tensor_info("b", [4], 0, 96))
    for cut, what, sub in [(3, "magic", "only 3 bytes"), (6, "version", "truncated"),
                           (12, "tensor-count", "truncated"), (20, "kv-count", "truncated"),
                           (hdr_end + 5, "in-key", "more than the file can hold"),
                           (kv_end, "after-kvs", "truncated: a tensor name"),
                           (kv_end + 10, "in-tensor-info", "truncated"),
                           (info_end, "after-infos", "data section is missing"),
                           (len(ok) - 20, "in-data", "run past the end")]:
        add("gg-truncated-%s.gguf" % what, "FORMAT", sub, ok[:cut])

    def gg(kvs_, tensors_, **kw):
        return G.build(kvs_, tensors_, **kw)

    def raw_header(version=3, n_tensors=0, n_kv=0, rest=b""):
        return b"GGUF" + struct.pack("<IQQ", version, n_tensors, n_kv) + rest

    add("gg-version1.gguf", "UNSUPPORTED", "version 1", raw_header(version=1) + b"\0" * 16)
    add("gg-big-endian.gguf", "UNSUPPORTED", "big-endian", raw_header(version=3 << 24) + b"\0" * 16)
    add("gg-version99.gguf", "UNSUPPORTED", "version 99", raw_header(version=99) + b"\0" * 16)
    add("gg-huge-tensor-count.gguf", "FORMAT", "tensors, more than the file can hold",
        raw_header(n_tensors=1 << 62) + b"\0" * 64)
    add("gg-huge-kv-count.gguf", "FORMAT", "metadata entries, more than the file",
        raw_header(n_kv=(1 << 64) - 1) + b"\0" * 64)
    add("gg-huge-string.gguf", "FORMAT", "claims",
        raw_header(n_kv=1, rest=struct.pack("<Q", 1 << 62) + b"abcd" + b"\0" * 16))
    add("gg-huge-array.gguf", "FORMAT", "claims 1152921504606846976 elements",
        raw_header(n_kv=1, rest=G.gguf_string("k") + struct.pack("<IIQ", G.ARRAY, G.U32, 1 << 60)
                   + b"\0" * 16))
    add("gg-huge-string-array.gguf", "FORMAT", "elements, more than",
        raw_header(n_kv=1, rest=G.gguf_string("k") + struct.pack("<IIQ", G.ARRAY, G.STRING, 1000)
                   + b"\0" * 64))
    add("gg-bad-value-type.gguf", "FORMAT", "unknown type 13",
        raw_header(n_kv=1, rest=G.gguf_string("k") + struct.pack("<I", 13) + b"\0" * 16))
    add("gg-bad-array-type.gguf", "FORMAT", "unknown element type",
        raw_header(n_kv=1, rest=G.gguf_string("k") + struct.pack("<IIQ", G.ARRAY, 77, 1) + b"\0" * 16))
    nested = (G.U8, [0] * 400)
    for _ in range(5):
        nested = (G.ARRAY, [nested])
    add("gg-nested-too-deep.gguf", "FORMAT", "nest deeper", gg([("k", G.ARRAY, nested)], []))
    add("gg-bad-bool.gguf", "FORMAT", "not 0 or 1", gg([("k", G.BOOL, 2)], []))
    add("gg-bad-bool-array.gguf", "FORMAT", "not 0 or 1", gg([("k", G.ARRAY, (G.BOOL, [0, 1, 7]))], []))
    add("gg-invalid-utf8-key.gguf", "FORMAT", "not valid UTF-8",
        raw_header(n_kv=1, rest=G.gguf_string(b"a\xffb") + struct.pack("<IB", G.U8, 1) + b"\0" * 8))
    add("gg-invalid-utf8-value.gguf", "FORMAT", "not valid UTF-8",
        raw_header(n_kv=1, rest=G.gguf_string("k") + struct.pack("<I", G.STRING)
                   + G.gguf_string(b"\xc3\x28") + b"\0" * 8))
    add("gg-invalid-utf8-tensor-name.gguf", "FORMAT", "not valid UTF-8",
        raw_header(n_tensors=1, rest=G.gguf_string(b"w\xff") + struct.pack("<IQIQ", 1, 4, 0, 0)
                   + b"\0" * 64))
    add("gg-duplicate-key.gguf", "FORMAT", "appears twice", gg([("k", G.U8, 1), ("k", G.U8, 2)], []))
    add("gg-duplicate-tensor.gguf", "FORMAT", "appears twice",
        gg([], [("w", [4], "F32", b"\0" * 16), ("w", [4], "F32", b"\0" * 16)]))
    add("gg-empty-key.gguf", "FORMAT", "empty metadata key", gg([("", G.U8, 1)], []))

    def one_tensor(dims, ttype, offset=0, data=b"\0" * 64, kvs_=()):
        info = G.gguf_string("w") + struct.pack("<I", len(dims))
        for d in dims:
            info += struct.pack("<Q", d)
        info += struct.pack("<IQ", ttype, offset)
        body = b"".join(G.gguf_kv(*kv) for kv in kvs_)
        head = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kvs_)) + body + info
        head += b"\0" * ((-len(head)) % 32)
        return head + data

    add("gg-ndims-0.gguf", "FORMAT", "0 dimensions", one_tensor([], 0))
    add("gg-ndims-5.gguf", "FORMAT", "5 dimensions", one_tensor([1, 1, 1, 1, 1], 0))
    add("gg-dim-zero.gguf", "FORMAT", "outside [1, 2^40]", one_tensor([4, 0], 0))
    add("gg-dim-huge.gguf", "FORMAT", "outside [1, 2^40]", one_tensor([(1 << 64) - 1], 0))
    add("gg-dim-product-overflow.gguf", "FORMAT", "overflows", one_tensor([1 << 40, 1 << 40], 0))
    add("gg-unknown-type.gguf", "FORMAT", "unknown ggml type 99", one_tensor([4], 99))
    add("gg-unsupported-type.gguf", "UNSUPPORTED", "Q2_K", one_tensor([256], 10))
    add("gg-block-misaligned.gguf", "FORMAT", "not a multiple of the q8_0 block", one_tensor([33], 8))
    add("gg-offset-misaligned.gguf", "FORMAT", "not a multiple of the alignment", one_tensor([4], 0, 4))
    add("gg-offset-past-end.gguf", "FORMAT", "run past the end", one_tensor([4], 0, 64))
    add("gg-offset-huge.gguf", "FORMAT", "run past the end", one_tensor([4], 0, (1 << 64) - 32))
    add("gg-alignment-not-pow2.gguf", "FORMAT", "power of two",
        one_tensor([4], 0, kvs_=[("general.alignment", G.U32, 24)]))
    add("gg-alignment-zero.gguf", "FORMAT", "power of two",
        one_tensor([4], 0, kvs_=[("general.alignment", G.U32, 0)]))
    add("gg-alignment-huge.gguf", "FORMAT", "power of two",
        one_tensor([4], 0, kvs_=[("general.alignment", G.U32, 1 << 30)]))
    add("gg-alignment-wrong-type.gguf", "FORMAT", "must be a u32",
        one_tensor([4], 0, kvs_=[("general.alignment", G.U64, 32)]))
    overlap = b"GGUF" + struct.pack("<IQQ", 3, 2, 0) + G.tensor_info("a", [8], 0, 0) + G.tensor_info("b", [8], 0, 0)
    overlap += b"\0" * ((-len(overlap)) % 32) + b"\0" * 32
    add("gg-overlap.gguf", "FORMAT", "overlap", overlap)
    add("gg-empty.gguf", "FORMAT", "empty", b"")

    os.makedirs(BAD, exist_ok=True)
    for f in os.listdir(BAD):
        os.unlink(os.path.join(BAD, f))
    lines = []
    for name, code, sub, data in cases:
        write(os.path.join(BAD, name), data)
        lines.append("%s\t%s\t%s" % (name, code, sub))
    with open(os.path.join(BAD, "expected.txt"), "w") as f:
        f.write("# file\tRF_MODEL_ERROR_*\tthe message contains (made by tools/make-model-test-files.py)\n")
        f.write("\n".join(lines) + "\n")

    # fuzz seeds: valid files and a few damaged ones of each format
    seeds = {"safetensors": [good] + [c[3] for c in cases if c[0].startswith("st-")][:12],
             "gguf": [ok, quant_gguf[:4096]] + [c[3] for c in cases if c[0].startswith("gg-")][:12]}
    buf = io.BytesIO()
    np.save(buf, np.arange(6, dtype=f32).reshape(2, 3))
    seeds["npy"] = [buf.getvalue(), buf.getvalue()[:40],
                    buf.getvalue().replace(b"<f4", b"<f2").replace(b"(2, 3)", b"(3, 2)")[:-12]]
    for target, items in seeds.items():
        d = os.path.join(CORPUS, target)
        os.makedirs(d, exist_ok=True)
        for i, data in enumerate(items):
            write(os.path.join(d, "seed-%02d" % i), data)


def make_npy():
    a = (np.arange(24, dtype=f32).reshape(2, 3, 4) - 7.5) / 3
    np.save(os.path.join(DATA, "numpy-f32.npy"), a)
    np.save(os.path.join(DATA, "numpy-f16.npy"), a.astype(np.float16)[0])


if __name__ == "__main__":
    os.makedirs(DATA, exist_ok=True)
    q = make_quant_gguf()
    make_npy()
    make_malformed(q)
    print("wrote", DATA, "and", CORPUS)
