"""safetensors files as the Rust library writes them (compact JSON header padded with spaces to 8 bytes,
``__metadata__`` first, tensors sorted by name), plus the sd-webui-additional-networks hashes that
ai-toolkit stores in the metadata (toolkit/metadata.py add_model_hash_to_meta)."""

import hashlib
import json
import struct


class SafetensorError(Exception):
    pass


SafetensorError.__module__ = "safetensors_rust"


def _header_bytes(tensors, metadata):
    """tensors: list of (name, dtype, shape, data bytes), already in file order."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((-len(text)) % 8)
    return struct.pack("<Q", len(text)) + text


def _ordered(tensors):
    # all tensors of one file share a dtype, so the library's (alignment, name) order is the name order
    return sorted(tensors, key=lambda t: t[0])


def serialize(tensors, metadata=None):
    tensors = _ordered(tensors)
    return _header_bytes(tensors, metadata) + b"".join(t[3] for t in tensors)


def model_hashes(tensors, metadata):
    """(sshs_model_hash, sshs_legacy_hash) over a re-serialisation that keeps only the ss_* metadata."""
    tensors = _ordered(tensors)
    ss_meta = {k: v for k, v in metadata.items() if k.startswith("ss_")}
    head = _header_bytes(tensors, ss_meta)
    model = hashlib.sha256()
    for t in tensors:
        model.update(t[3])
    # legacy hash: sha256 of bytes 0x100000..0x10FFFF of that re-serialisation
    window = bytearray()
    pos = 0
    lo, hi = 0x100000, 0x110000
    for chunk in [head] + [t[3] for t in tensors]:
        start, end = pos, pos + len(chunk)
        if end > lo and start < hi:
            window += chunk[max(lo, start) - start: min(hi, end) - start]
        pos = end
        if pos >= hi:
            break
    return model.hexdigest(), hashlib.sha256(bytes(window)).hexdigest()[:8]


def save_file(tensors, path, metadata):
    with open(path, "wb") as f:
        f.write(serialize(tensors, metadata))


def read_header(path):
    """The parsed header of a safetensors file, validated as safe_open would."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise SafetensorError("Error while deserializing header: HeaderTooSmall")
    n = struct.unpack("<Q", data[:8])[0]
    if n > 100_000_000 or 8 + n > len(data):
        raise SafetensorError("Error while deserializing header: MetadataIncompleteBuffer" if n <= 100_000_000
                              else "Error while deserializing header: HeaderTooLarge")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorError("Error while deserializing header: InvalidHeaderDeserialization") from e
    end = 0
    for name, info in header.items():
        if name != "__metadata__":
            end = max(end, info["data_offsets"][1])
    if 8 + n + end != len(data):
        raise SafetensorError("Error while deserializing header: MetadataIncompleteBuffer")
    return header
