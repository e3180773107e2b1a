"""The build's stages as one set of swappable parts.

The runner reaches each stage only through a ``Stages`` value, so a stage can be
replaced (to try a faster renderer, to inject a fault, to measure one stage alone)
without touching the others or the runner, and every replacement is timed into the
BuildReport under the stage's name like the original::

    stages = dataclasses.replace(DEFAULT_STAGES, render=MyRenderer)
    runner = PipelineRunner(content, sink, stages=stages)

The write stage is the OutputSink the runner is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pipeline import lazy, media, site
from pipeline.discover import Sources, discover
from pipeline.page import Page
from pipeline.parse import parse
from pipeline.render import Rendered, Renderer, Task

if TYPE_CHECKING:
    import jinja2

# Jinja2 and the theme load when a build first needs a template (pipeline/lazy.py).
templates = lazy.module("pipeline.templates")


class RenderStage(Protocol):
    """Markdown to HTML for a list of pages, results in the order the tasks were given."""

    def start(self) -> None: ...  # when every page will render: start-up overlaps parsing

    def render(self, tasks: list[Task]) -> Iterator[Rendered]: ...

    def close(self) -> None: ...  # after a build that completed

    def terminate(self) -> None: ...  # after a build that stopped early


@dataclass(frozen=True, slots=True)
class Stages:
    """The implementation of each stage of a build."""

    discover: Callable[[Path], Sources]
    # (content, sources, report, memo: what the cache recalls of page files, or None)
    parse: Callable[..., list[Page]]  # (content, sources, report, memo, *, out_dir, ...)
    # (jobs, page_timeout=seconds or None, content=the content folder) -> a renderer
    render: Callable[..., RenderStage]
    environment: Callable[[Path], jinja2.Environment]  # the templates a content folder uses
    template: Callable[[jinja2.Environment, Page, site.SiteInfo], str]  # one page's HTML file
    site_files: Callable[
        [jinja2.Environment, list[Page], site.SiteInfo],
        Iterator[tuple[str, str | jinja2.TemplateError]],
    ]
    # (URL, page's output path) -> site path or None; media.copy_media copies them afterwards
    media: Callable[[str, str], str | None]
    site_templates: tuple[str, ...]  # every template site_files renders

    def key(self) -> str:
        """Which implementations these are, for the build cache's key."""
        return ",".join(
            f"{f.name}={getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', value)}"
            for f in fields(self)
            if callable(value := getattr(self, f.name))
        )


def environment(content: Path) -> jinja2.Environment:
    """The theme's templates with the content folder's ``_templates`` over them."""
    return templates.environment(content)


DEFAULT_STAGES = Stages(
    discover=discover,
    parse=parse,
    render=Renderer,
    environment=environment,
    template=site.render_page,
    site_files=site.site_files,
    media=media.local_target,
    site_templates=site.TEMPLATES,
)
