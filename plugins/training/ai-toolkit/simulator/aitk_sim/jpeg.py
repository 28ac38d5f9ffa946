"""A baseline (sequential DCT, Huffman) JPEG encoder in pure Python: JFIF, YCbCr 4:4:4, the standard
Annex K Huffman tables and IJG quality scaling. Uniform 8x8 blocks (most of a simulator picture) take a
DC-only fast path; other blocks go through a separable float DCT."""

import math
import struct

_ZIGZAG = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]
_LUMA_Q = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]
_CHROMA_Q = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
]
_DC_LUMA_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
_DC_LUMA_VALS = list(range(12))
_DC_CHROMA_BITS = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
_DC_CHROMA_VALS = list(range(12))
_AC_LUMA_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]
_AC_LUMA_VALS = bytes.fromhex(
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a"
    "3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a9293949596"
    "9798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2"
    "f3f4f5f6f7f8f9fa")
_AC_CHROMA_BITS = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77]
_AC_CHROMA_VALS = bytes.fromhex(
    "000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728"
    "292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a929394"
    "95969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2"
    "f3f4f5f6f7f8f9fa")

# DCT basis: _COS[u][x] = c(u)/2 * cos((2x+1) u pi / 16)
_COS = [[(math.sqrt(0.5) if u == 0 else 1.0) / 2 * math.cos((2 * x + 1) * u * math.pi / 16) for x in range(8)]
        for u in range(8)]


def _scaled_table(base, quality):
    quality = max(1, min(100, quality))
    scale = 5000 // quality if quality < 50 else 200 - quality * 2
    return [max(1, min(255, (q * scale + 50) // 100)) for q in base]


def _huffman_codes(bits, vals):
    """(code, length) for each symbol, per JPEG Annex C."""
    codes = {}
    code = 0
    k = 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[vals[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


_DC_LUMA = _huffman_codes(_DC_LUMA_BITS, _DC_LUMA_VALS)
_DC_CHROMA = _huffman_codes(_DC_CHROMA_BITS, _DC_CHROMA_VALS)
_AC_LUMA = _huffman_codes(_AC_LUMA_BITS, _AC_LUMA_VALS)
_AC_CHROMA = _huffman_codes(_AC_CHROMA_BITS, _AC_CHROMA_VALS)


class _BitWriter:
    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.nbits = 0

    def write(self, code, length):
        self.acc = (self.acc << length) | code
        self.nbits += length
        while self.nbits >= 8:
            self.nbits -= 8
            byte = (self.acc >> self.nbits) & 0xFF
            self.out.append(byte)
            if byte == 0xFF:
                self.out.append(0)  # byte stuffing
        self.acc &= (1 << self.nbits) - 1

    def flush(self):
        if self.nbits:
            self.write((1 << (8 - self.nbits)) - 1, 8 - self.nbits)  # pad with 1-bits


def _magnitude(value):
    """(category, bits) for a DC difference or AC coefficient."""
    if value == 0:
        return 0, 0
    a = -value if value < 0 else value
    size = a.bit_length()
    return size, value if value > 0 else value + (1 << size) - 1


def _dct_quantize(block, qtable):
    """block: 64 level-shifted samples, row-major. Returns 64 quantized coefficients in zigzag order."""
    rows = [block[i:i + 8] for i in range(0, 64, 8)]
    tmp = [[sum(c[x] * r[x] for x in range(8)) for c in _COS] for r in rows]  # row DCT
    coeffs = [0.0] * 64
    for u in range(8):
        cu = _COS[u]
        for v in range(8):
            coeffs[u * 8 + v] = cu[0] * tmp[0][v] + cu[1] * tmp[1][v] + cu[2] * tmp[2][v] + cu[3] * tmp[3][v] + \
                cu[4] * tmp[4][v] + cu[5] * tmp[5][v] + cu[6] * tmp[6][v] + cu[7] * tmp[7][v]
    return [int(round(coeffs[z] / qtable[z])) for z in _ZIGZAG]


def _encode_block(bw, zz, prev_dc, dc_codes, ac_codes):
    diff = zz[0] - prev_dc
    size, bits = _magnitude(diff)
    code, length = dc_codes[size]
    bw.write(code, length)
    if size:
        bw.write(bits, size)
    run = 0
    for k in range(1, 64):
        coeff = zz[k]
        if coeff == 0:
            run += 1
            continue
        while run > 15:
            code, length = ac_codes[0xF0]
            bw.write(code, length)
            run -= 16
        size, bits = _magnitude(coeff)
        code, length = ac_codes[(run << 4) | size]
        bw.write(code, length)
        bw.write(bits, size)
        run = 0
    if run:
        code, length = ac_codes[0x00]
        bw.write(code, length)
    return zz[0]


def _segment(marker, payload):
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _dht(table_class, table_id, bits, vals):
    return _segment(0xC4, bytes([(table_class << 4) | table_id]) + bytes(bits) + bytes(vals))


def encode(width, height, rgb_rows, quality=90):
    """rgb_rows: ``height`` sequences of ``3 * width`` ints (R, G, B per pixel). Returns the JPEG bytes."""
    qy = _scaled_table(_LUMA_Q, quality)
    qc = _scaled_table(_CHROMA_Q, quality)
    qy_zz = [qy[z] for z in _ZIGZAG]
    qc_zz = [qc[z] for z in _ZIGZAG]

    # colour conversion (JFIF), level shift; memoised since pictures have few distinct colours
    cache = {}
    planes = ([], [], [])
    for row in rgb_rows:
        py, pcb, pcr = [], [], []
        for i in range(0, 3 * width, 3):
            key = (row[i], row[i + 1], row[i + 2])
            ycc = cache.get(key)
            if ycc is None:
                r, g, b = key
                ycc = (
                    min(255, max(0, int(round(0.299 * r + 0.587 * g + 0.114 * b)))) - 128,
                    min(255, max(0, int(round(-0.168736 * r - 0.331264 * g + 0.5 * b + 128)))) - 128,
                    min(255, max(0, int(round(0.5 * r - 0.418688 * g - 0.081312 * b + 128)))) - 128,
                )
                cache[key] = ycc
            py.append(ycc[0])
            pcb.append(ycc[1])
            pcr.append(ycc[2])
        # pad the width to a multiple of 8 by repeating the last column
        pad = (-width) % 8
        for p, vals in zip(planes, (py, pcb, pcr)):
            p.append(vals + [vals[-1]] * pad)
    for p in planes:
        while len(p) % 8:
            p.append(p[-1])

    bw = _BitWriter()
    prev = [0, 0, 0]
    tables = ((qy, qy_zz, _DC_LUMA, _AC_LUMA), (qc, qc_zz, _DC_CHROMA, _AC_CHROMA), (qc, qc_zz, _DC_CHROMA, _AC_CHROMA))
    padded_w = len(planes[0][0])
    for by in range(0, len(planes[0]), 8):
        for bx in range(0, padded_w, 8):
            for c in range(3):
                qtable, qzz, dc_codes, ac_codes = tables[c]
                rows = [planes[c][by + j][bx:bx + 8] for j in range(8)]
                first = rows[0]
                if first.count(first[0]) == 8 and all(r == first for r in rows[1:]):
                    zz = [int(round(8 * first[0] / qzz[0]))] + [0] * 63
                else:
                    zz = _dct_quantize([v for r in rows for v in r], qtable)
                prev[c] = _encode_block(bw, zz, prev[c], dc_codes, ac_codes)
    bw.flush()

    out = bytearray(b"\xFF\xD8")
    out += _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    out += _segment(0xDB, bytes([0]) + bytes(qy_zz))
    out += _segment(0xDB, bytes([1]) + bytes(qc_zz))
    out += _segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + bytes([1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]))
    out += _dht(0, 0, _DC_LUMA_BITS, _DC_LUMA_VALS)
    out += _dht(1, 0, _AC_LUMA_BITS, _AC_LUMA_VALS)
    out += _dht(0, 1, _DC_CHROMA_BITS, _DC_CHROMA_VALS)
    out += _dht(1, 1, _AC_CHROMA_BITS, _AC_CHROMA_VALS)
    out += _segment(0xDA, bytes([3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]))
    out += bw.out
    out += b"\xFF\xD9"
    return bytes(out)
