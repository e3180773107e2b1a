"""``python -m benchmarks.corpus OUT_DIR --pages N [--seed S]``: generate a content folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.corpus import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__)
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    parser.add_argument("--pages", type=int, required=True, metavar="N")
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error(f"--pages must be at least 1, got {args.pages}")
    summary = generate(args.out_dir, args.pages, seed=args.seed)
    print(
        f"{summary.pages} pages and {summary.media} media files "
        f"({summary.bytes / 1e6:.1f} MB) in {args.out_dir}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
