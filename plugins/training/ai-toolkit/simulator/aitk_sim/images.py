"""Image dimensions from file headers, the way ``exif_transpose(Image.open(path)).size`` reports them:
the format is identified by content (not extension) and JPEG EXIF orientations 5-8 swap width and height."""

import struct


class UnidentifiedImageError(OSError):
    """Stands in for PIL.UnidentifiedImageError so tracebacks read like the real loader's."""


UnidentifiedImageError.__module__ = "PIL"


def _jpeg_orientation(app1):
    if not app1.startswith(b"Exif\x00\x00"):
        return 1
    tiff = app1[6:]
    if len(tiff) < 8:
        return 1
    endian = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if endian is None:
        return 1
    ifd = struct.unpack(endian + "I", tiff[4:8])[0]
    if ifd + 2 > len(tiff):
        return 1
    count = struct.unpack(endian + "H", tiff[ifd:ifd + 2])[0]
    for i in range(count):
        entry = tiff[ifd + 2 + 12 * i: ifd + 14 + 12 * i]
        if len(entry) < 12:
            break
        tag, typ = struct.unpack(endian + "HH", entry[:4])
        if tag == 0x0112 and typ == 3:
            return struct.unpack(endian + "H", entry[8:10])[0]
    return 1


def _jpeg_size(f):
    f.seek(2)
    orientation = 1
    while True:
        byte = f.read(1)
        while byte and byte != b"\xFF":
            byte = f.read(1)
        while byte == b"\xFF":
            byte = f.read(1)
        if not byte:
            return None
        marker = byte[0]
        if marker in (0x01,) or 0xD0 <= marker <= 0xD8:
            continue
        if marker == 0xD9:
            return None
        length_bytes = f.read(2)
        if len(length_bytes) < 2:
            return None
        length = struct.unpack(">H", length_bytes)[0]
        if length < 2:
            return None
        payload = f.read(length - 2)
        if len(payload) < length - 2:
            return None
        if marker == 0xE1:
            orientation = _jpeg_orientation(payload)
        elif marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            if len(payload) < 5:
                return None
            height, width = struct.unpack(">HH", payload[1:5])
            if width == 0 or height == 0:
                return None
            return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _webp_size(head):
    kind = head[12:16]
    if kind == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", head[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if kind == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        bits = struct.unpack("<I", head[21:25])[0]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8X" and len(head) >= 30:
        w = int.from_bytes(head[24:27], "little") + 1
        h = int.from_bytes(head[27:30], "little") + 1
        return w, h
    return None


def image_size(path):
    """(width, height); raises UnidentifiedImageError like PIL.Image.open for what it cannot read."""
    with open(path, "rb") as f:
        head = f.read(64)
        size = None
        if head[:3] == b"\xFF\xD8\xFF":
            size = _jpeg_size(f)
        elif head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR" and len(head) >= 24:
            size = struct.unpack(">II", head[16:24])
        elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            size = _webp_size(head)
        elif head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
            size = struct.unpack("<HH", head[6:10])
        elif head[:2] == b"BM" and len(head) >= 26:
            w, h = struct.unpack("<ii", head[18:26])
            size = (w, abs(h))
    if not size or size[0] <= 0 or size[1] <= 0:
        raise UnidentifiedImageError(f"cannot identify image file '{path}'")
    return int(size[0]), int(size[1])
