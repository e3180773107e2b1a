"""Modules loaded on first use, so that a build that needs none of them never pays for them.

A no-change rebuild of 1000 pages takes less time than importing Markdown, Jinja2, PyYAML
and multiprocessing, and needs none of them: the modules that do are named at the top of
the modules that use them, as usual, but through ``module()``::

    jinja2 = lazy.module("jinja2")    # nothing is executed yet
    jinja2.TemplateError              # the first attribute loads it, once

This is importlib's own ``LazyLoader``. Only names whose first use is an attribute access
can be deferred this way: ``from X import Y`` and subclassing load at once.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def module(name: str) -> ModuleType:
    """``name``, imported now if it already is, else on its first attribute access."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    lazy = importlib.util.module_from_spec(spec)
    sys.modules[name] = lazy
    loader.exec_module(lazy)
    return lazy
