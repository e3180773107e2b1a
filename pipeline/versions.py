"""Installed versions of the libraries a build's output depends on, without importing them.

Importing Markdown, Jinja2 or Pillow costs more than a whole no-change rebuild of 1000
pages, which needs only their versions (the site key, the card setup, the build stamp).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os


def installed_version(name: str, dist: str | None = None) -> str:
    """The installed version of module ``name`` (of distribution ``dist``, when its name
    differs: ``PIL`` is ``pillow``), from its dist-info when that is unambiguous.

    The path finder is asked, not ``sys.modules``: a module there may be one that
    ``pipeline.lazy`` has not loaded yet, and looking at it would load it.
    """
    dist = dist or name
    spec = importlib.machinery.PathFinder.find_spec(name)
    if spec is not None and spec.origin is not None:
        site = os.path.dirname(os.path.dirname(spec.origin))
        prefixes = tuple(f"{d}-" for d in dict.fromkeys((dist, dist.capitalize())))
        try:
            names = os.listdir(site)
        except OSError:
            names = []
        found = [n for n in names if n.startswith(prefixes) and n.endswith(".dist-info")]
        if len(found) == 1:
            return found[0][len(dist) + 1 : -len(".dist-info")]
    return str(importlib.import_module(name).__version__)
