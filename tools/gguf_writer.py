"""Minimal GGUF v3 writer for test files (no gguf pip package needed).

Layout (ggml docs/gguf.md): magic "GGUF", u32 version, u64 n_tensors,
u64 n_kv, key/values, tensor infos, padding to the alignment, data.
Dims are written innermost first (ggml ne[0]), i.e. reversed PyTorch order.
"""
import struct

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
_SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i",
           F32: "<f", BOOL: "<B", U64: "<Q", I64: "<q", F64: "<d"}

GGML_TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q5_0": 6, "Q5_1": 7,
              "Q8_0": 8, "Q2_K": 10, "Q4_K": 12, "Q5_K": 13, "Q6_K": 14,
              "I8": 24, "I16": 25, "I32": 26, "I64": 27, "F64": 28, "BF16": 30}


def gguf_string(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(b)) + b


def gguf_value(vtype, value):
    """Encodes a value; arrays are (elem_type, [values])."""
    if vtype == STRING:
        return gguf_string(value)
    if vtype == ARRAY:
        elem, items = value
        out = struct.pack("<IQ", elem, len(items))
        for it in items:
            out += gguf_value(elem, it)
        return out
    return struct.pack(_SCALAR[vtype], value)


def gguf_kv(key, vtype, value):
    return gguf_string(key) + struct.pack("<I", vtype) + gguf_value(vtype, value)


def tensor_info(name, shape_torch, ggml_type, offset):
    dims = list(reversed(shape_torch))
    out = gguf_string(name) + struct.pack("<I", len(dims))
    for d in dims:
        out += struct.pack("<Q", d)
    return out + struct.pack("<IQ", ggml_type, offset)


def build(kvs, tensors, alignment=32, version=3):
    """kvs: [(key, type, value)], tensors: [(name, shape, type_name, bytes)].
    Returns the file bytes."""
    header = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for k, t, v in kvs:
        header += gguf_kv(k, t, v)
    offset = 0
    infos = b""
    data = b""
    for name, shape, tname, raw in tensors:
        infos += tensor_info(name, shape, GGML_TYPES[tname], offset)
        pad = (-len(raw)) % alignment
        data += raw + b"\0" * pad
        offset += len(raw) + pad
    head = header + infos
    head += b"\0" * ((-len(head)) % alignment)
    return head + data
