"""The corpus's media: small PNG and SVG pictures, the same bytes on every machine."""

from __future__ import annotations

import struct
import zlib

import numpy as np

from benchmarks.corpus.draws import Draws, ImagePlan

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png(draws: Draws) -> bytes:
    """A small RGB picture: a diagonal gradient, a disc and some noise."""
    width, height = draws.between(20, 96), draws.between(20, 96)
    start = np.array([draws.below(256) for _ in range(3)], dtype=np.int64)
    end = np.array([draws.below(256) for _ in range(3)], dtype=np.int64)
    disc = np.array([draws.below(256) for _ in range(3)], dtype=np.int64)
    ys = np.arange(height, dtype=np.int64)[:, None]
    xs = np.arange(width, dtype=np.int64)[None, :]
    # Integer arithmetic only, so pixels cannot depend on floating point details.
    t = ((xs * 255) // width + (ys * 255) // height)[:, :, None] // 2
    pixels = (start * (255 - t) + end * t) // 255
    cx, cy, r = draws.below(width), draws.below(height), draws.between(4, 24)
    pixels[(xs - cx) ** 2 + (ys - cy) ** 2 <= r * r] = disc
    noise = draws.rng.integers(-10, 11, size=(height, width, 3))
    pixels = np.clip(pixels + noise, 0, 255).astype(np.uint8)

    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)  # filter byte 0 per row
    rows[:, 1:] = pixels.reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", _zlib_stored(rows.tobytes())),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _zlib_stored(data: bytes) -> bytes:
    """A zlib stream of uncompressed deflate blocks (identical with every zlib build)."""
    parts = [b"\x78\x01"]  # deflate, 32 KiB window, no dictionary; header check bits valid
    start = 0
    while True:
        block = data[start : start + 0xFFFF]
        start += len(block)
        final = start >= len(data)
        parts.append(struct.pack("<BHH", 1 if final else 0, len(block), len(block) ^ 0xFFFF))
        parts.append(block)
        if final:
            break
    parts.append(struct.pack(">I", zlib.adler32(data)))
    return b"".join(parts)


def svg(draws: Draws, image: ImagePlan) -> bytes:
    width, height = draws.between(40, 400), draws.between(40, 300)

    def color() -> str:
        return f"#{draws.below(256):02x}{draws.below(256):02x}{draws.below(256):02x}"

    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f"  <title>{image.alt}</title>",
        f'  <rect width="{width}" height="{height}" fill="{color()}"/>',
    ]
    for _ in range(draws.between(3, 12)):
        x, y = draws.below(width), draws.below(height)
        if draws.percent(50):
            radius = draws.between(3, 40)
            shape = f'circle cx="{x}" cy="{y}" r="{radius}" opacity="0.8"'
        else:
            w, h, rx = draws.between(5, 120), draws.between(5, 80), draws.below(8)
            shape = f'rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}"'
        lines.append(f'  <{shape} fill="{color()}"/>')
    lines.append(
        f'  <path d="M0 {height} L{width // 3} {height // 2} L{2 * width // 3} {height * 2 // 3} '
        f'L{width} {height // 4}" stroke="{color()}" stroke-width="3" fill="none"/>'
    )
    lines.append("</svg>")
    return ("\n".join(lines) + "\n").encode("utf-8")
