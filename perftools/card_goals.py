"""card-goals: the social card against the naive one, side by side in one process.

    python -m perftools card-goals [--rounds 15] [--out build/cards-goals]

Per size, the naive card (benchmarks/cards_naive.py) and pipeline.cards draw the same
card in interleaved rounds, so that load swings hit both alike; the figures are medians
of wall time, and of CPU time (which waiting for a core on a loaded machine does not
inflate). Goal: the standard card at least 5x faster than the naive one, in wall time. Also shown:
bytes per card, Pillow's JPEG of the same card (the format not chosen), and how far the
two cards' pixels are apart. Both PNGs of each size are saved into ``--out`` to be
looked at.
"""

from __future__ import annotations

import argparse
import functools
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

GOAL = 5.0  # the standard card, naive time over ours


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (median)")
    parser.add_argument("--out", default="build/cards-goals", help="folder for the PNGs")


def run(args: argparse.Namespace) -> int:
    from benchmarks import bench_cards, cards_naive

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    card = bench_cards.card_args()
    print(f"card: {card[1]!r}, {len(card[3])} tags; {args.rounds} interleaved rounds, medians")
    print(f"{'size':9} {'naive ms':>9} {'ours ms':>8} {'gain':>6} {'CPU gain':>9} {'naive B':>8}"
          f" {'ours B':>7} {'JPEG ms':>8} {'JPEG B':>7} {'pixels apart':>13}")  # fmt: skip
    gains = {}
    for size in bench_cards.SIZES:
        renderer = bench_cards.card_renderer(size)  # warmed up: a worker's steady state
        naive = cards_naive.render(*card, size)
        ours = renderer.render(*card).data
        (out / f"naive-{size}.png").write_bytes(naive)
        (out / f"ours-{size}.png").write_bytes(ours)
        (naive_ms, ours_ms), (naive_cpu, ours_cpu) = interleaved(
            [
                functools.partial(cards_naive.render, *card, size),
                functools.partial(renderer.render, *card),
            ],
            args.rounds,
        )
        jpeg_ms, jpeg_bytes = jpeg_of(ours, args.rounds)
        gains[size] = naive_ms / ours_ms
        print(f"{size:9} {naive_ms:9.2f} {ours_ms:8.2f} {gains[size]:5.1f}x"
              f" {naive_cpu / ours_cpu:8.1f}x {len(naive):8} {len(ours):7} {jpeg_ms:8.2f}"
              f" {jpeg_bytes:7} {apart(naive, ours):>13}")  # fmt: skip
    met = gains["standard"] >= GOAL
    print(f"goal: standard card >= {GOAL:.0f}x faster than naive: {gains['standard']:.1f}x, "
          f"{'met' if met else 'NOT met'}; high card {gains['high']:.1f}x")  # fmt: skip
    print(f"PNGs of both cards in {out}/ (naive-*.png, ours-*.png): look at them")
    return 0


def interleaved(cases: list[Callable[[], object]], rounds: int) -> tuple[list[float], list[float]]:
    """Median wall and CPU milliseconds of each case, run one after the other each round."""
    wall: list[list[float]] = [[] for _ in cases]
    cpu: list[list[float]] = [[] for _ in cases]
    for _ in range(rounds):
        for number, case in enumerate(cases):
            start, start_cpu = time.perf_counter(), time.process_time()
            case()
            wall[number].append(time.perf_counter() - start)
            cpu[number].append(time.process_time() - start_cpu)
    return [1000 * statistics.median(s) for s in wall], [1000 * statistics.median(s) for s in cpu]


def jpeg_of(png: bytes, rounds: int) -> tuple[float, int]:
    """Median milliseconds and bytes of Pillow's JPEG (quality 90) of an image already drawn."""
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    image.load()

    def encode() -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        return buffer.getvalue()

    (ms,), _ = interleaved([encode], rounds)
    return ms, len(encode())


def apart(first: bytes, second: bytes) -> str:
    """Mean and largest absolute difference of two PNGs' pixels, per channel (0-255)."""
    from PIL import Image, ImageChops, ImageStat

    a, b = (Image.open(io.BytesIO(data)).convert("RGB") for data in (first, second))
    if a.size != b.size:
        return "other sizes"
    diff = ImageChops.difference(a, b)
    mean = sum(ImageStat.Stat(diff).mean) / 3
    largest = max(high for _, high in diff.getextrema())
    return f"{mean:.3f}/{largest}"
