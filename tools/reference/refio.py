"""File helpers shared by the reference scripts: safetensors, bf16, .npy, manifests.

No third-party safetensors package is available on Debian, so the format is written
by hand (huggingface/safetensors README):

    u64 LE header length N | N bytes of UTF-8 JSON | raw tensor bytes

The JSON maps name -> {"dtype", "shape", "data_offsets": [begin, end)} with offsets
relative to the start of the byte buffer (file offset 8 + N), plus an optional
"__metadata__" string->string map.  We pad the JSON with spaces so the buffer starts
on an 8-byte boundary, store tensors back to back in name order with no holes
(what the reference Rust parser demands), little-endian, C order.

Only numpy, json, struct and hashlib are used so the goldens can be checked on a
machine without torch.
"""

import hashlib
import json
import os
import struct

import numpy as np

# safetensors dtype name -> numpy dtype of the stored bytes.  BF16 has no numpy
# type: its bytes are kept as uint16 and converted with bf16_to_f32().
_ST_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "U8": np.dtype("u1"),
}


def f32_to_bf16_bits(x):
    """Round float32 values to bfloat16 (round to nearest, ties to even).

    Returns the 16-bit patterns as uint16.  Same rounding as torch's
    .to(torch.bfloat16) for finite values (checked in flux_ref.py --check).
    """
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounding = ((u >> 16) & 1) + 0x7FFF
    return ((u + rounding) >> 16).astype(np.uint16)


def bf16_bits_to_f32(bits):
    """Exact widening of bfloat16 bit patterns (uint16) to float32."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def round_bf16(x):
    """float32 -> nearest bfloat16 value, returned as float32."""
    return bf16_bits_to_f32(f32_to_bf16_bits(x))


def write_safetensors(path, tensors, metadata=None):
    """Write tensors to path.

    tensors: dict name -> (array, st_dtype).  For "BF16" the array may be float
    (it is rounded here) or uint16 bit patterns.  Other dtypes are cast with numpy.
    """
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr, st_dtype = tensors[name]
        arr = np.asarray(arr)
        if st_dtype == "BF16":
            raw = arr if arr.dtype == np.uint16 else f32_to_bf16_bits(arr)
        else:
            raw = arr.astype(_ST_DTYPES[st_dtype])
        data = np.ascontiguousarray(raw).astype(raw.dtype.newbyteorder("<")).tobytes()
        header[name] = {
            "dtype": st_dtype,
            "shape": [int(d) for d in arr.shape],
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    js = json.dumps(header, separators=(",", ":")).encode("utf-8")
    js += b" " * ((8 - (8 + len(js)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


def read_safetensors(path, upcast=True):
    """Read a safetensors file.

    Returns (tensors, dtypes, metadata): tensors maps name -> numpy array (BF16 and
    F16 widened to float32 when upcast, else BF16 left as uint16 bits), dtypes maps
    name -> the stored dtype string.
    """
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    base = 8 + n
    metadata = header.pop("__metadata__", {})
    tensors, dtypes = {}, {}
    expect = 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = info["data_offsets"]
        if begin != expect:
            raise ValueError(f"{path}: {name} leaves a hole or overlaps at {begin}")
        expect = end
        dt = _ST_DTYPES[info["dtype"]]
        arr = np.frombuffer(blob, dtype=dt, count=(end - begin) // dt.itemsize,
                            offset=base + begin).reshape(info["shape"])
        if upcast and info["dtype"] == "BF16":
            arr = bf16_bits_to_f32(arr)
        elif upcast and info["dtype"] == "F16":
            arr = arr.astype(np.float32)
        tensors[name] = np.array(arr)
        dtypes[name] = info["dtype"]
    if base + expect != len(blob):
        raise ValueError(f"{path}: byte buffer does not end at the last tensor")
    return tensors, dtypes, metadata


def save_npy(directory, name, arr):
    """Save arr as little-endian float32, C order; returns the file name."""
    fname = name + ".npy"
    np.save(os.path.join(directory, fname),
            np.ascontiguousarray(np.asarray(arr, dtype=np.float32)).astype("<f4"))
    return fname


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def file_entry(directory, fname, **extra):
    """Manifest entry for one written file: size, sha256, shape for .npy."""
    path = os.path.join(directory, fname)
    entry = {"file": fname, "bytes": os.path.getsize(path), "sha256": sha256(path)}
    if fname.endswith(".npy"):
        a = np.load(path)
        entry["shape"] = list(a.shape)
        entry["dtype"] = "<f4"
    entry.update(extra)
    return entry


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")


def max_rel_err(a, b):
    """max |a - b| / max(|b|), the error measure used in the manifests."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))
