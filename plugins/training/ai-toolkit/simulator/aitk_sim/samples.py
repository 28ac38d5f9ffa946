"""Sample pictures: real JPEGs (or PNGs, per ``sample.format``), longest side 256 px with the configured aspect.
With Node (``ISENGARD_SIM_NODE``, else ``node`` on PATH) they show the person of the dataset, drawn by
``render-sample.mjs`` at the fidelity the training has reached (``fidelity``); without it, in one colour derived from
the prompt, seed, step and prompt index. What they were made from is written into the file (a JPEG comment, a PNG
text chunk) as JSON, for tests to read. The flat JPEG is baseline with every block flat, so only DC coefficients are
coded: a few lines of Huffman coding instead of a DCT encoder."""

import hashlib
import json
import os
import shutil
import struct
import subprocess
import zlib

from . import TOOLKIT_ROOT

MAX_SIDE = 256

# The standard DC table (ITU T.81 Annex K.3); the AC table has only end-of-block.
_DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
_DC_CODES = {}
_code = 0
_symbol = 0
for _length, _count in enumerate(_DC_BITS, start=1):
    for _ in range(_count):
        _DC_CODES[_symbol] = (_code, _length)
        _code += 1
        _symbol += 1
    _code <<= 1
_EOB = (0, 1)


def sample_size(width, height):
    """The written size for a sample of the configured size: longest side at most MAX_SIDE."""
    longest = max(width, height)
    if longest <= MAX_SIDE:
        return width, height
    scale = MAX_SIDE / longest
    return max(8, int(round(width * scale))), max(8, int(round(height * scale)))


def _segment(marker, payload):
    return struct.pack(">HH", marker, len(payload) + 2) + payload


def _flat_jpeg(width, height, rgb, comment):
    r, g, b = rgb
    ycc = (0.299 * r + 0.587 * g + 0.114 * b, 128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
           128 + 0.5 * r - 0.418688 * g - 0.081312 * b)
    dcs = [int(round((v - 128) * 8)) for v in ycc]  # DC of a flat 8x8 block, quantised by 1
    bits, nbits = 0, 0
    out = bytearray()

    def put(code, length):
        nonlocal bits, nbits
        bits, nbits = (bits << length) | code, nbits + length
        while nbits >= 8:
            nbits -= 8
            byte = (bits >> nbits) & 0xFF
            out.append(byte)
            if byte == 0xFF:
                out.append(0)

    blocks = -(-width // 8) * -(-height // 8)
    for block in range(blocks):
        for dc in dcs:
            diff = dc if block == 0 else 0
            size = abs(diff).bit_length()
            put(*_DC_CODES[size])
            if size:
                put(diff if diff > 0 else diff + (1 << size) - 1, size)
            put(*_EOB)
    if nbits:
        put((1 << (8 - nbits)) - 1, 8 - nbits)
    components = b"".join(struct.pack(">BBB", i + 1, 0x11, 0) for i in range(3))
    return b"".join([
        b"\xff\xd8",
        _segment(0xFFE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        _segment(0xFFFE, comment),
        _segment(0xFFDB, b"\x00" + bytes([1] * 64)),
        _segment(0xFFC0, struct.pack(">BHHB", 8, height, width, 3) + components),
        _segment(0xFFC4, b"\x00" + bytes(_DC_BITS) + bytes(range(12))),
        _segment(0xFFC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00"),
        _segment(0xFFDA, b"\x03" + b"".join(struct.pack(">BB", i + 1, 0) for i in range(3)) + b"\x00\x3f\x00"),
        bytes(out),
        b"\xff\xd9",
    ])


def _flat_png(width, height, rgb, comment):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = (b"\x00" + bytes(rgb) * width) * height
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"tEXt", b"Comment\x00" + comment) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def made_from(prompt, index, step, seed):
    """The JSON written into a sample: what it was made from."""
    return json.dumps({"prompt": prompt, "seed": seed, "step": step, "index": index}, ensure_ascii=True)


def render(width, height, prompt, index, step, seed, ext):
    """One flat sample of the configured width x height; webp is written with JPEG content (no WebP writer here)."""
    w, h = sample_size(width, height)
    text = made_from(prompt, index, step, seed)
    rgb = tuple(hashlib.sha256(text.encode()).digest()[:3])
    comment = text.encode("ascii")
    return _flat_png(w, h, rgb, comment) if ext.lower() == "png" else _flat_jpeg(w, h, rgb, comment)


def fidelity_at(step, total_steps):
    """How faithfully the LoRA draws the person at a step: 0 before training, 1 at the end. Linear: the scorer's
    similarity already eases (it rises fastest between 0.5 and 0.75 and flattens above 0.85), and a steeper start
    would leave the last rounds on a plateau where framing, not training, decides which scores higher."""
    return min(1.0, max(0.0, step / total_steps)) if total_steps else 1.0


def find_node():
    """The Node binary that paints faces: ISENGARD_SIM_NODE, else node on PATH; None keeps the flat samples."""
    return os.environ.get("ISENGARD_SIM_NODE", "").strip() or shutil.which("node")


class FacePainter:
    """Runs render-sample.mjs beside run.py (see there for the job's shape). Any failure means flat samples."""

    def __init__(self, node, dataset_files):
        self.node = node
        self.dataset = list(dataset_files)
        self._portrait = None

    def _run(self, job):
        if not self.node:
            return None
        try:
            done = subprocess.run([self.node, os.path.join(TOOLKIT_ROOT, "render-sample.mjs")], input=json.dumps(job),
                                  capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout if done.returncode == 0 else None

    def paint(self, samples):
        """Writes each sample of ``samples`` (dicts as render-sample.mjs takes them); False when nothing was painted."""
        return self._run({"dataset": self.dataset, "samples": samples}) is not None

    def portrait(self):
        """A small base64 JPEG of the person's face (the first readable dataset photo), or None."""
        if self._portrait is None:
            out = self._run({"dataset": self.dataset, "samples": [], "portrait": True})
            try:
                self._portrait = (json.loads(out) if out else {}).get("portrait") or ""
            except ValueError:
                self._portrait = ""
        return self._portrait or None


def face_sample(out, width, height, prompt, index, step, seed, ext, fidelity, copy):
    """The render-sample.mjs entry of one sample: photo and generic face from prompt index and seed, framing from
    seed and step, colour grade from the prompt."""
    w, h = sample_size(width, height)
    return {
        "out": out, "format": "png" if ext.lower() == "png" else "jpg", "comment": made_from(prompt, index, step, seed),
        "width": w, "height": h, "fidelity": fidelity, "copy": copy, "photo": index + (seed or 0), "generic": index + (seed or 0),
        "framing": f"{seed} {index} {step}", "grade": prompt,
    }
