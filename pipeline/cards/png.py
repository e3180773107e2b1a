"""PNG bytes of a card: a fixed background with a few bands of rows drawn over it.

Encoding is most of a naive card's time (Pillow's default PNG: adaptive filters and
zlib level 6 over every row). Here the rows without text are compressed once per
background (at zlib level 6) and reused: a deflate stream may be cut into pieces,
each ended by a sync flush (byte-aligned, no reference across it), and the pieces
concatenated, as pigz does; the pieces' Adler-32 checksums combine arithmetically. A run
of background rows between two bands is joined from aligned blocks of rows, each
compressed once: titles of different shapes put the bands a row or two apart, and
compressing each such run whole cost a render process 20 runs (53 ms of its 480 cards). Only
the bands that hold text are compressed per card, by ISA-L (the ``isal`` package) at
its level 2 with no PNG filter: 4 to 5 times faster than zlib's fastest levels on these
rows, for 10% more bytes (measured: python -m perftools card-goals). Bands come as
scanlines (``scanlines``), the bytes the stream holds, so they are compressed as they are.
"""

from __future__ import annotations

import struct
import zlib
from collections import OrderedDict
from typing import Any

from isal import isal_zlib
from PIL import Image

# Compression levels. A text band's rows, measured on the corpus's cards (high size, per
# card): zlib level 2 4.2 ms and 44.5 KiB, zlib 1 3.9 ms, ISA-L level 2 0.86 ms and 49.0
# KiB (ISA-L 0 and 1: no faster, larger). The background's rows are compressed once per
# process, so they get zlib level 6: 60% of the bytes of level 1 for 2.5 times its time
# (level 9: 5% fewer bytes, twice the time of 6, paid again by every render process).
LEVEL = 2  # ISA-L's
RUN_LEVEL = 6  # zlib's
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZLIB_HEADER = b"\x78\x5e"  # deflate, 32 KiB window, "fast" (informative only)
_FINAL_BLOCK = b"\x03\x00"  # an empty final block: ends the deflate stream
_ADLER_BASE = 65521
_RUNS_KEPT = 64  # compressed background runs per background; cards use a handful
# Rows of the smallest aligned block of background compressed on its own. Each block adds
# its deflate block header and a sync flush (about 20 bytes): larger blocks, fewer bytes,
# but more rows compressed for runs that differ by a row.
_BLOCK = 16
_BLOCKS_KEPT = 1024  # a card size has at most 2 * height / _BLOCK aligned ones


def scanlines(image: Image.Image) -> bytes:
    """An RGB image's rows as a PNG stream holds them: each a filter byte (0, none), then
    the row's bytes, three to a pixel (Pillow keeps four).

    Pillow's raw encoder pads each row with zero bytes up to ``stride``: one byte more
    than the row makes each row's padding the next row's filter byte.
    """
    padded = image.tobytes("raw", ("RGB", 3 * image.size[0] + 1))
    return b"\0" + padded[:-1]


class BackgroundEncoder:
    """Encodes cards that differ from ``background`` only in the bands they are given."""

    def __init__(self, background: Image.Image) -> None:
        if background.mode != "RGB":
            raise ValueError(f"background must be RGB, not {background.mode}")
        self.width, self.height = background.size
        self.stride = 3 * self.width + 1
        self.scanlines = scanlines(background)
        self._runs: OrderedDict[tuple[int, int], tuple[bytes, int, int]] = OrderedDict()
        self._blocks: dict[tuple[int, int], tuple[bytes, int, int]] = {}

    def encode(self, bands: list[tuple[int, bytes | bytearray]]) -> bytes:
        """The PNG of the background with each ``(top row, rows)`` band over it, its rows
        as ``scanlines`` gives them.

        Bands span the full width, are sorted by top row and do not overlap.
        """
        pieces: list[bytes] = []
        adler, row = 1, 0
        for top, band in bands:
            rows, partial = divmod(len(band), self.stride)
            if partial or top < row or top + rows > self.height:
                raise ValueError(f"band at row {top} does not fit the card")
            if top > row:
                adler = self._add_run(pieces, adler, row, top)
            piece, adler = _deflate(isal_zlib, band, LEVEL, adler)
            pieces.append(piece)
            row = top + rows
        if row < self.height:
            adler = self._add_run(pieces, adler, row, self.height)
        pieces.append(_FINAL_BLOCK)
        stream = _ZLIB_HEADER + b"".join(pieces) + struct.pack(">I", adler)
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return _SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", stream) + _chunk(b"IEND")

    def _add_run(self, pieces: list[bytes], adler: int, top: int, bottom: int) -> int:
        """Append the background's rows ``top`` to ``bottom``, compressed once and kept."""
        key = (top, bottom)
        run = self._runs.get(key)
        if run is None:
            blocks = [self._block(start, end) for start, end in blocks_of(top, bottom)]
            joined = 1
            for _, block_adler, length in blocks:
                joined = adler32_combine(joined, block_adler, length)
            run = (b"".join(b[0] for b in blocks), joined, sum(b[2] for b in blocks))
            self._runs[key] = run
            if len(self._runs) > _RUNS_KEPT:
                self._runs.popitem(last=False)
        else:
            self._runs.move_to_end(key)
        compressed, run_adler, length = run
        pieces.append(compressed)
        return adler32_combine(adler, run_adler, length)

    def _block(self, top: int, bottom: int) -> tuple[bytes, int, int]:
        """The background's rows ``top`` to ``bottom``, compressed once: the piece, its
        Adler-32 and its length."""
        key = (top, bottom)
        block = self._blocks.get(key)
        if block is None:
            rows = memoryview(self.scanlines)[top * self.stride : bottom * self.stride]
            block = (*_deflate(zlib, rows, RUN_LEVEL), len(rows))
            if len(self._blocks) >= _BLOCKS_KEPT:
                self._blocks.clear()
            self._blocks[key] = block
        return block


def blocks_of(top: int, bottom: int) -> list[tuple[int, int]]:
    """Rows ``top`` to ``bottom`` as blocks that runs share: each a power of two times
    _BLOCK rows long and starting at a multiple of its length, but the rows before the
    first multiple of _BLOCK and after the last, which make one block each."""
    blocks = []
    row = top
    while row < bottom:
        if row % _BLOCK or bottom - row < _BLOCK:
            end = min(bottom, row - row % _BLOCK + _BLOCK)
        else:
            size = _BLOCK
            while row % (2 * size) == 0 and row + 2 * size <= bottom:
                size *= 2
            end = row + size
        blocks.append((row, end))
        row = end
    return blocks


def _deflate(
    library: Any, rows: bytes | memoryview, level: int, adler: int = 1
) -> tuple[bytes, int]:
    """``rows`` as a piece of a deflate stream (no header, ends byte-aligned, refers to
    nothing before), and the Adler-32 of everything before them (``adler``) and them.

    ``library``: ``zlib`` or ``isal_zlib`` (the same interface).
    """
    # memLevel 8 (zlib's default): the same bytes as 9, measured 10-15% faster here.
    compressor = library.compressobj(level, library.DEFLATED, -15, 8)
    piece = compressor.compress(rows) + compressor.flush(library.Z_SYNC_FLUSH)
    return piece, library.adler32(rows, adler)


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two byte strings joined, from theirs (zlib's adler32_combine)."""
    rem = second_length % _ADLER_BASE
    sum1 = first & 0xFFFF
    sum2 = (rem * sum1) % _ADLER_BASE
    sum1 += (second & 0xFFFF) + _ADLER_BASE - 1
    sum2 += (first >> 16) + (second >> 16) + _ADLER_BASE - rem
    sum1 %= _ADLER_BASE
    sum2 %= _ADLER_BASE
    return sum1 | (sum2 << 16)


def _chunk(kind: bytes, data: bytes = b"") -> bytes:
    # ISA-L's CRC-32 (the same values): a tenth of zlib's time on a card's 27 KB here.
    crc = isal_zlib.crc32(data, isal_zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
