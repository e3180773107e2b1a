"""Where templates live, and a cheap fingerprint of them: no Jinja2 needed.

A build that renders nothing (a no-change rebuild) asks only whether any template file
changed; importing Jinja2 and loading the theme (``pipeline.templates``) would cost more
than the rest of such a build.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pipeline import confine

THEME = Path(__file__).parent / "theme"
USER_TEMPLATES = "_templates"


def user_folder(content_dir: str | os.PathLike[str]) -> tuple[str, str | None]:
    """The real path of the content folder's ``_templates``, and why nothing in it may be
    read (it is a link out of the content folder), or None."""
    real = os.path.realpath(Path(content_dir) / USER_TEMPLATES)
    if confine.inside(real, confine.root_of(content_dir)):
        return real, None
    return real, f"{USER_TEMPLATES} is a link to {real}, {confine.OUTSIDE}"


def static(name: str) -> bytes:
    """A file of the theme's ``static`` folder, which the site gets under ``assets/``."""
    return (THEME / "static" / name).read_bytes()


def fingerprint(content_dir: Path) -> str:
    """Digest of the name, size and modification time of every template a build may load.

    While it is unchanged, template digests from the previous build still hold, and a
    build that renders nothing needs neither Jinja2 nor the templates themselves.
    """
    digest = hashlib.sha256()
    for root in (content_dir / USER_TEMPLATES, THEME / "templates"):
        digest.update(f"\0{root}\0".encode())
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue  # a broken link: loading it fails, and that is not cached
                digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return digest.hexdigest()
