"""Where the build cache lives: beside the output folder, never inside it.

Everything inside the output folder is published (``rsync site/ server:``), and the cache
holds every page's source digest and cached HTML. By default it is
``SITE_DIR/../.pipeline-cache/<SITE_DIR's name>``: one cache per output folder, because
it describes the files in that folder (a cache shared by two output folders would
vouch, by size, for a file it saw written to the other one); and in the folder the
build already writes to (it creates SITE_DIR there), so a read-only content folder
still builds. Versions before this one kept it in ``SITE_DIR/.pipeline-cache``: the
first build of such a site moves its manifest out and removes the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_FOLDER = ".pipeline-cache"


def default_cache_dir(out: str | os.PathLike[str]) -> Path:
    """The cache folder of the site built into ``out``, beside it."""
    site = Path(out).resolve()
    return site.parent / CACHE_FOLDER / (site.name or "site")


def is_within(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is ``folder`` or inside it, symlinks resolved."""
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def retire_old_cache(
    out: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None
) -> tuple[list[str], list[str]]:
    """Take an old cache out of the site folder; returns (notes, warnings) to show.

    Its manifest moves to ``cache_dir`` unless one is already there, so the first build
    after the move is still incremental. The caller holds both folders' build locks.
    """
    import shutil  # these only now: the CLI imports this module before it knows it builds

    from pipeline.cache.manifest import MANIFEST
    from pipeline.sink import temp_name

    old = Path(out) / CACHE_FOLDER
    if not old.is_dir() or old.is_symlink():
        return [], []
    moved = False
    if cache_dir is not None:
        source, target = old / MANIFEST, Path(cache_dir) / MANIFEST
        if source.is_file() and not target.exists():
            tmp = target.with_name(temp_name(MANIFEST))
            try:
                shutil.copyfile(source, tmp)  # across file systems too
                os.replace(tmp, target)
                moved = True
            except OSError:
                _unlink_quietly(tmp)  # the cache is rebuilt: slower, never wrong
    shutil.rmtree(old, ignore_errors=True)
    if old.exists():
        return [], [f"{old}: cannot remove the old build cache; it would be published"]
    if moved:
        return [f"moved the build cache out of the site, from {old} to {cache_dir}"], []
    later = "" if cache_dir is None else f" (the cache is kept in {cache_dir} now)"
    return [f"removed the old build cache {old} from the site{later}"], []


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
