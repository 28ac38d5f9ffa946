"""Deterministic sample pictures: flat colour bands, a disc whose hue moves with the step, the step number in
a 3x5 bitmap font and the prompt index. Everything is drawn on a grid of 8x8-pixel cells, so each JPEG block
is uniform and encodes on the encoder's DC-only path (fast in pure Python)."""

import colorsys
import hashlib
import struct
import zlib

from . import jpeg

CELL = 8
MAX_SIDE = 256  # samples are written small; the configured aspect ratio is kept
THUMB_SIDE = 300

_FONT = {
    "0": ("111", "101", "101", "101", "111"), "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"), "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"), "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"), "7": ("111", "001", "010", "010", "010"),
    "8": ("111", "101", "111", "101", "111"), "9": ("111", "101", "111", "001", "111"),
    "#": ("101", "111", "101", "111", "101"),
}


def _rgb(h, s, v):
    r, g, b = colorsys.hsv_to_rgb((h % 360) / 360.0, s, v)
    return int(r * 255), int(g * 255), int(b * 255)


def sample_size(width, height):
    """The written size for a sample of the configured size: longest side at most MAX_SIDE."""
    longest = max(width, height)
    if longest <= MAX_SIDE:
        return width, height
    scale = MAX_SIDE / longest
    return max(CELL, int(round(width * scale))), max(CELL, int(round(height * scale)))


def _draw_text(grid, text, x0, y0, scale, color, shadow):
    gh, gw = len(grid), len(grid[0])
    for ci, ch in enumerate(text):
        glyph = _FONT.get(ch)
        if glyph is None:
            continue
        for gy, line in enumerate(glyph):
            for gx, bit in enumerate(line):
                if bit != "1":
                    continue
                for dy in range(scale):
                    for dx in range(scale):
                        x = x0 + (ci * 4 + gx) * scale + dx
                        y = y0 + gy * scale + dy
                        if 0 <= y + 1 < gh and 0 <= x + 1 < gw and grid[y + 1][x + 1] != color:
                            grid[y + 1][x + 1] = shadow
                        if 0 <= y < gh and 0 <= x < gw:
                            grid[y][x] = color


def cell_grid(width, height, prompt, index, step, seed):
    """Colours of the CELL x CELL cells covering a width x height picture."""
    gw, gh = -(-width // CELL), -(-height // CELL)
    digest = hashlib.sha256(f"{seed}|{index}|{prompt}".encode()).digest()
    hue = (digest[0] * 360 // 256 + index * 83) % 360
    bg, band = _rgb(hue, 0.30, 0.92), _rgb(hue, 0.42, 0.80)
    disc = _rgb(hue + 40 + step * 11, 0.55, 0.72)
    band_h = 2 + index % 3
    grid = [[band if (y // band_h) % 2 else bg for _ in range(gw)] for y in range(gh)]

    cx, cy = (gw - 1) / 2, (gh - 1) * 0.42
    radius = 0.30 * min(gw, gh)
    for y in range(gh):
        for x in range(gw):
            if (x - cx) ** 2 + (y - cy) ** 2 <= radius * radius:
                grid[y][x] = disc

    text = str(step)
    scale = max(1, min((gw - 2) // (4 * len(text)), max(1, gh // 12)))
    text_w = (4 * len(text) - 1) * scale
    _draw_text(grid, text, (gw - text_w) // 2, gh - 5 * scale - max(1, gh // 16), scale, (255, 255, 255), (30, 30, 40))
    _draw_text(grid, f"#{index}", 1, 1, 1, (40, 40, 50), band)
    return grid


def _pixel_rows(grid, width, height):
    rows = []
    for y in range(height):
        cells = grid[y // CELL]
        row = []
        for x in range(width):
            row.extend(cells[x // CELL])
        rows.append(row)
    return rows


def _thumb_rows(grid, width, height):
    """The 300x300 centre crop of the picture, sampled once per thumbnail cell."""
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    n = -(-THUMB_SIDE // CELL)
    pick = [int(left + (t * CELL + CELL / 2) * side / THUMB_SIDE) for t in range(n)]
    pick_y = [int(top + (t * CELL + CELL / 2) * side / THUMB_SIDE) for t in range(n)]
    tgrid = [[grid[min(py, height - 1) // CELL][min(px, width - 1) // CELL] for px in pick] for py in pick_y]
    return _pixel_rows(tgrid, THUMB_SIDE, THUMB_SIDE)


def encode_png(width, height, rgb_rows):
    raw = b"".join(b"\x00" + bytes(row) for row in rgb_rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def render_sample(width, height, prompt, index, step, seed, ext):
    """(image bytes, thumbnail JPEG bytes) for one sample of the configured width x height."""
    w, h = sample_size(width, height)
    grid = cell_grid(w, h, prompt, index, step, seed)
    rows = _pixel_rows(grid, w, h)
    if ext.lower() == "png":
        image = encode_png(w, h, rows)
    else:
        # jpg/jpeg; webp is written with JPEG content too (no WebP encoder in the standard library)
        image = jpeg.encode(w, h, rows, quality=90)
    thumb = jpeg.encode(THUMB_SIDE, THUMB_SIDE, _thumb_rows(grid, w, h), quality=90)
    return image, thumb
