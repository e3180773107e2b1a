"""Seeded synthetic corpus: a folder of Markdown pages and media for benchmarks and demos.

The same seed gives byte-identical output on every machine. To keep it that way:
every random choice comes from ``numpy.random.default_rng(seed)`` through
``integers`` only (platform independent, and the part of numpy's stream least likely
to change between releases; the fixed digest in tests/test_corpus.py would tell),
all word lists are fixed tuples, nothing depends on hashing, set order, time,
locale or directory listing order, and PNG data is stored rather than compressed
because deflate output differs between zlib builds.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
import posixpath
import re
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["CorpusSummary", "generate"]


@dataclass(slots=True, frozen=True)
class CorpusSummary:
    pages: int  # Markdown files written (drafts and pages without front matter included)
    media: int  # media files written
    bytes: int  # total bytes written


# (folder, relative share of pages, year that dates are pinned to or 0 for any year)
_SECTIONS = (
    ("blog/2023", 4, 2023),
    ("blog/2024", 5, 2024),
    ("docs/guide", 3, 0),
    ("docs/reference", 2, 0),
    ("docs/reference/api", 2, 0),
    ("notes", 3, 0),
    ("projects", 1, 0),
)
_FIRST_DAY = dt.date(2019, 1, 1).toordinal()
_LAST_DAY = dt.date(2025, 12, 31).toordinal()

# Page sizes in bytes. Blocks stop at the target; the hard stop leaves room for the
# images and the "Related" list that are added after the main loop.
_MIN_TARGET, _MAX_TARGET, _HARD_STOP = 2150, 8800, 9300

_TAGS = (
    "python",
    "performance",
    "markdown",
    "html",
    "css",
    "javascript",
    "typography",
    "accessibility",
    "testing",
    "ci",
    "docker",
    "linux",
    "git",
    "caching",
    "deployment",
    "security",
    "design",
    "tooling",
    "tutorial",
    "release-notes",
    "devops",
    "api",
    "cli",
    "static-sites",
    "writing",
    "open-source",
    "databases",
    "rust",
    "images",
    "search",
)
_TOPICS = (
    "Python",
    "Markdown",
    "HTML",
    "CSS",
    "Git",
    "Docker",
    "Linux",
    "YAML",
    "JSON",
    "Jinja",
    "Rust",
    "SQLite",
    "Nginx",
    "Bash",
)
_DETS = ("the", "the", "the", "a", "each", "every", "this", "our", "one", "that", "your")
_PRONOUNS = ("we", "you", "they", "most teams", "many readers", "I")
_AUX = ("can", "should", "will", "must", "may", "could", "might", "would")
_ADVERBS = (
    "quickly",
    "rarely",
    "usually",
    "often",
    "never",
    "always",
    "simply",
    "carefully",
    "mostly",
    "roughly",
    "already",
    "still",
    "only",
    "eventually",
    "quietly",
    "barely",
)
_PREPS = (
    "in",
    "from",
    "into",
    "for",
    "with",
    "on",
    "behind",
    "after",
    "before",
    "under",
    "across",
    "per",
)
_OPENERS = (
    "In practice,",
    "Usually,",
    "For example,",
    "Most of the time,",
    "On a large site,",
    "In our tests,",
    "Surprisingly,",
    "As a rule,",
    "By default,",
    "In short,",
    "Later,",
    "Even so,",
    "On a cold cache,",
    "At first,",
)
_CONNECTORS = (
    ", and",
    ", but",
    " because",
    ", so",
    " when",
    " while",
    ", which means",
    " until",
    " unless",
)
_ADJECTIVES = (
    "fast",
    "slow",
    "small",
    "large",
    "simple",
    "clean",
    "stable",
    "static",
    "dynamic",
    "incremental",
    "lazy",
    "eager",
    "careful",
    "robust",
    "fragile",
    "cheap",
    "expensive",
    "quiet",
    "noisy",
    "common",
    "rare",
    "useful",
    "obvious",
    "subtle",
    "plain",
    "modern",
    "old",
    "new",
    "local",
    "remote",
    "safe",
    "strict",
    "loose",
    "broken",
    "empty",
    "full",
    "hidden",
    "visible",
    "nested",
    "flat",
    "shared",
    "private",
    "public",
    "stale",
    "fresh",
    "predictable",
    "readable",
    "portable",
    "minimal",
    "generous",
    "tiny",
    "huge",
    "warm",
    "cold",
    "partial",
    "complete",
    "manual",
    "automatic",
    "optional",
    "default",
    "custom",
)
_NOUNS = (
    "site",
    "page",
    "build",
    "cache",
    "file",
    "folder",
    "template",
    "output",
    "input",
    "server",
    "request",
    "response",
    "header",
    "link",
    "image",
    "asset",
    "theme",
    "layout",
    "section",
    "index",
    "feed",
    "tag",
    "draft",
    "config",
    "option",
    "plugin",
    "parser",
    "token",
    "block",
    "list",
    "table",
    "heading",
    "paragraph",
    "document",
    "version",
    "release",
    "change",
    "commit",
    "branch",
    "test",
    "benchmark",
    "profile",
    "memory",
    "disk",
    "network",
    "browser",
    "user",
    "reader",
    "writer",
    "editor",
    "author",
    "note",
    "guide",
    "reference",
    "tutorial",
    "example",
    "pattern",
    "module",
    "package",
    "function",
    "class",
    "method",
    "value",
    "key",
    "type",
    "error",
    "warning",
    "log",
    "path",
    "route",
    "query",
    "database",
    "schema",
    "record",
    "field",
    "queue",
    "worker",
    "thread",
    "process",
    "job",
    "task",
    "step",
    "stage",
    "pipeline",
    "stream",
    "buffer",
    "chunk",
    "batch",
    "hash",
    "digest",
    "checksum",
    "timestamp",
    "date",
    "clock",
    "second",
    "cost",
    "speed",
    "size",
    "limit",
    "budget",
    "metric",
    "graph",
    "chart",
    "report",
    "result",
    "summary",
    "detail",
    "reason",
    "idea",
    "question",
    "answer",
    "problem",
    "solution",
    "tradeoff",
    "approach",
    "design",
    "system",
    "service",
    "client",
    "library",
    "tool",
    "script",
    "command",
    "shell",
    "terminal",
    "machine",
    "container",
    "deployment",
    "font",
    "color",
    "margin",
    "sidebar",
    "footer",
    "menu",
    "archive",
    "sitemap",
    "slug",
    "title",
    "word",
    "sentence",
    "line",
    "character",
    "encoding",
    "locale",
    "timezone",
    "backup",
    "mirror",
    "proxy",
    "domain",
)
# Words that make the text look like real, imperfect writing; kept out of titles and slugs.
_FLAVOUR = (
    "in a naïve way",
    "at the café",
    "behind a façade",
    "like a cliché",
    "on a résumé",
    "with some déjà vu",
    "in an über-build",
)
_VERBS = (
    "build",
    "render",
    "parse",
    "write",
    "read",
    "load",
    "store",
    "cache",
    "compute",
    "check",
    "compare",
    "measure",
    "skip",
    "split",
    "merge",
    "sort",
    "filter",
    "group",
    "publish",
    "deploy",
    "watch",
    "serve",
    "fetch",
    "copy",
    "move",
    "rename",
    "escape",
    "validate",
    "generate",
    "collect",
    "update",
    "rebuild",
    "invalidate",
    "index",
    "link",
    "resize",
    "compress",
    "profile",
    "trace",
    "ship",
    "review",
    "test",
    "replace",
    "format",
    "stream",
    "count",
    "track",
    "hide",
    "show",
    "plan",
    "run",
    "map",
    "drop",
    "keep",
)
# Verbs whose final consonant doubles before -ing.
_DOUBLING = ("skip", "split", "ship", "plan", "run", "map", "drop")
# For plural subjects.
_STATE_VERBS = ("stay", "look", "remain", "feel", "become", "get", "seem", "turn out")
_INLINE_CODE = (
    "config.yaml",
    "build()",
    "--verbose",
    "make test",
    "self.cache",
    "dict[str, int]",
    "None",
    "os.path.join",
    "index.html",
    "__init__.py",
    "a < b",
    "x && y",
    "<div>",
    "-> None",
    "2>&1",
    "x > 0",
    "<title>",
    "&amp;",
    "git diff",
    "pip install -e .",
    "Path.glob",
    "utf-8",
    "SIGTERM",
    "--jobs 4",
    "ctime",
    "404",
    "sha256",
    "*.md",
)
_AMPERSAND = (
    "during build & deploy",
    "in the Q&A",
    "for R&D",
    "with read & write access",
    "via search & replace",
    "as cause & effect",
)
_LINK_SENTENCES = (
    "See {} for more detail.",
    "We covered this in {}.",
    "{} walks through the same idea.",
    "Compare this with {}.",
)
_EXTERNAL_HOSTS = ("example.com", "example.org", "docs.example.net", "blog.example.com")
_PYTHON_SNIPPETS = (
    "def {verb}_{noun}({other}s, limit={num}):\n"
    '    """{Verb} the {noun} for each item in {other}s."""\n'
    "    result = []\n"
    "    for item in {other}s[:limit]:\n"
    "        if item.{attr} is not None:\n"
    "            result.append(item.{attr})\n"
    "    return result",
    "from pathlib import Path\n"
    "\n"
    "\n"
    "def load_{noun}(path: Path) -> dict[str, str]:\n"
    "    data = {{}}\n"
    '    for line in path.read_text(encoding="utf-8").splitlines():\n'
    '        key, _, value = line.partition("=")\n'
    "        data[key.strip()] = value.strip()\n"
    "    return data",
    "class {Noun}Cache:\n"
    "    def __init__(self, size={num}):\n"
    "        self.size = size\n"
    "        self._items = {{}}\n"
    "\n"
    "    def get(self, key):\n"
    "        return self._items.get(key)\n"
    "\n"
    "    def put(self, key, value):\n"
    "        if len(self._items) >= self.size:\n"
    "            self._items.pop(next(iter(self._items)))\n"
    "        self._items[key] = value",
    "import time\n"
    "\n"
    "start = time.perf_counter()\n"
    "{noun}s = [{verb}(x) for x in range({num}) if x % 3 == 0 and x > 0]\n"
    'print(f"{{len({noun}s)}} {noun}s in {{time.perf_counter() - start:.3f}}s")',
    "@dataclass(slots=True)\n"
    "class {Noun}:\n"
    "    {attr}: str\n"
    "    {other}: int = {small}\n"
    "\n"
    "    def is_{adj}(self) -> bool:\n"
    '        return self.{other} < {num} and not self.{attr}.startswith("_")',
    'with open("{noun}.log", encoding="utf-8") as fh:\n'
    '    errors = [line for line in fh if "ERROR" in line]\n'
    "assert len(errors) <= {small}, errors",
)
_BASH_SNIPPETS = (
    "$ pip install {pkg}\n$ python -m {pkg} build --out site/ --jobs {small}",
    'find content -name "*.md" | wc -l\ngrep -rn "TODO" src/ > todo.txt && echo "done"',
    "export {VAR}={value}\nmake build 2>&1 | tee build.log",
    "curl -s https://example.com/api/{noun}s | jq '.items[] | .name'",
    "git log --oneline -n {num} -- {noun}/\ngit diff HEAD~{small} --stat",
    'for f in {noun}/*.md; do\n    wc -c "$f"\ndone | sort -n | tail -{small}',
    "time python -m {pkg} build\ndu -sh site/ && ls site/ | head",
)


def _third_person(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z")):
        return verb + "es"
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _gerund(verb: str) -> str:
    if verb in _DOUBLING:
        return verb + verb[-1] + "ing"
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    return verb + "ing"


_PLURALS = tuple(_third_person(noun) for noun in _NOUNS)  # same spelling rule as verbs
_VERBS_3RD = tuple(_third_person(verb) for verb in _VERBS)
_GERUNDS = tuple(_gerund(verb) for verb in _VERBS)


def _with_article(det: str, word: str) -> str:
    # No word in the lists starts with a "u" that would take "an".
    return f"{'an' if det == 'a' and word[0] in 'aeio' else det} {word}"


# Determiner phrases, built once so that sentences need fewer draws.
_DET_NOUN = tuple(_with_article(det, noun) for det in _DETS for noun in _NOUNS)
_DET_ADJ = tuple(_with_article(det, adj) for det in _DETS for adj in _ADJECTIVES)


@dataclass(slots=True)
class _Draws:
    """Random integers pulled from the generator in chunks.

    One ``rng.integers`` call per chunk instead of per choice keeps the generator
    fast; the sequence of values is still fixed by the seed alone.
    """

    rng: np.random.Generator
    buf: list[int] = field(default_factory=list)
    pos: int = 0

    def _refill(self) -> None:
        self.buf = self.buf[self.pos :] + self.rng.integers(0, 1 << 30, size=1 << 16).tolist()
        self.pos = 0

    def raw(self) -> int:
        # Values are below 2**30, so the modulo bias of the helpers below is at most
        # n / 2**30: invisible for word lists and still tiny for page lists.
        if self.pos >= len(self.buf):
            self._refill()
        self.pos += 1
        return self.buf[self.pos - 1]

    def take(self, count: int) -> list[int]:
        if self.pos + count > len(self.buf):
            self._refill()
        self.pos += count
        return self.buf[self.pos - count : self.pos]

    def below(self, n: int) -> int:
        return self.raw() % n

    def between(self, low: int, high: int) -> int:
        return low + self.raw() % (high - low + 1)

    def pick(self, items):
        return items[self.raw() % len(items)]

    def percent(self, chance: int) -> bool:
        return self.raw() % 100 < chance

    def sample(self, items, k: int) -> list:
        pool = list(items)
        for i in range(k):  # partial Fisher-Yates
            j = i + self.raw() % (len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]


@dataclass(slots=True)
class _Page:
    index: int
    folder: str
    stem: str
    title: str
    out_name: str  # front matter slug if set, else the file stem
    front_matter: bool
    draft: bool
    slug: str | None
    template: bool
    date: dt.date
    tags: list[str]
    images: int
    target: int

    @property
    def source(self) -> str:
        return f"{self.folder}/{self.stem}.md"


@dataclass(slots=True)
class _Image:
    name: str
    alt: str
    title: str | None


def generate(out_dir: str | os.PathLike[str], pages: int, seed: int = 0) -> CorpusSummary:
    """Write ``pages`` Markdown pages and their media under ``out_dir``.

    Existing files that the corpus also generates are overwritten; others are left alone.
    """
    pages = operator.index(pages)  # numpy integers are fine, floats raise TypeError
    if pages < 1:
        raise ValueError(f"pages must be at least 1, got {pages}")
    root = Path(out_dir)
    draws = _Draws(np.random.default_rng(seed))
    plan = _plan_pages(draws, pages)
    pools = _plan_images(draws, plan)

    for folder in pools:  # every folder with pages has an image pool
        (root / folder / "images").mkdir(parents=True, exist_ok=True)
    linkable = [page for page in plan if not page.draft]
    media = written = 0
    # One writer thread: creating thousands of files is slow on some disks, and file
    # writes release the GIL, so they overlap with generating the next pages.
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending = []
        for folder, images in pools.items():
            for image in images:
                data = _svg(draws, image) if image.name.endswith(".svg") else _png(draws)
                path = root / folder / "images" / image.name
                pending.append(writer.submit(path.write_bytes, data))
                written += len(data)
                media += 1
        for page in plan:
            text = _page_text(draws, page, linkable, pools[page.folder])
            # Encoding here fixes both the encoding and the "\n" line endings on every OS.
            data = text.encode("utf-8")
            pending.append(writer.submit((root / page.source).write_bytes, data))
            written += len(data)
        for future in pending:
            future.result()  # re-raises a failed write
    return CorpusSummary(pages=len(plan), media=media, bytes=written)


# --- planning ---------------------------------------------------------------------


def _plan_pages(draws: _Draws, count: int) -> list[_Page]:
    weights = [weight for _, weight, _ in _SECTIONS]
    total_weight = sum(weights)
    width = max(4, len(str(count - 1)))
    plan = []
    for index in range(count):
        roll = draws.below(total_weight)
        section = 0
        while roll >= weights[section]:
            roll -= weights[section]
            section += 1
        folder, _, year = _SECTIONS[section]
        title = _title(draws)
        stem = f"{_slugify(' '.join(title.split()[:6]))}-{index:0{width}d}"
        front_matter = not draws.percent(5)
        draft = front_matter and draws.percent(3)
        slug = None
        if front_matter and draws.percent(10):
            # Ends in "-<index>" without zero padding, while stems end in a padded
            # index, so a slug can only ever equal its own page's stem.
            slug = f"{_slugify(draws.pick(_ADJECTIVES) + ' ' + draws.pick(_NOUNS))}-{index}"
        if year:
            first, last = dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal()
        else:
            first, last = _FIRST_DAY, _LAST_DAY
        plan.append(
            _Page(
                index=index,
                folder=folder,
                stem=stem,
                title=title,
                out_name=slug or stem,
                front_matter=front_matter,
                draft=draft,
                slug=slug,
                template=front_matter and draws.percent(8),
                date=dt.date.fromordinal(draws.between(first, last)),
                tags=draws.sample(_TAGS, draws.between(1, 4)),
                images=draws.between(1, 3) if draws.percent(33) else 0,
                target=draws.between(_MIN_TARGET, _MAX_TARGET),
            )
        )
    return plan


def _plan_images(draws: _Draws, plan: list[_Page]) -> dict[str, list[_Image]]:
    """Each section shares one pool of images; pages pick from it with repeats."""
    per_section = {folder: 0 for folder, _, _ in _SECTIONS}
    for page in plan:
        per_section[page.folder] += 1
    pools = {}
    for folder, _, _ in _SECTIONS:
        if not per_section[folder]:
            continue
        images = []
        for number in range(max(2, (per_section[folder] * 2 + 4) // 5)):
            noun, adj = draws.pick(_NOUNS), draws.pick(_ADJECTIVES)
            ext = "svg" if draws.percent(20) else "png"
            kind = draws.pick(("Diagram of a", "Screenshot of a", "Chart of a", "a"))
            title = None
            if draws.percent(50):
                title = _capital(f"{draws.pick(_PLURALS)} per {noun}, {adj} case")
            name = f"{adj}-{noun}-{number:03d}.{ext}"
            alt = _capital(f"{kind[:-1]}{_with_article('a', adj)} {noun}")
            images.append(_Image(name=name, alt=alt, title=title))
        pools[folder] = images
    return pools


_TITLE_PATTERNS = (
    ("@A", "@P", "with", "@N"),
    ("@G", "@P", "in", "@T"),
    ("how", "we", "@V", "@P", "at", "scale"),
    ("notes", "on", "@A", "@P"),
    ("a", "@A", "guide", "to", "@N", "@P"),
    ("lessons", "from", "@G", "the", "@N"),
    ("@G", "the", "@N", "@N"),
    ("when", "to", "@V", "the", "@N"),
    ("the", "@A", "@N", "problem"),
    ("@T", "tips", "for", "@A", "@P"),
    ("why", "@P", "@V", "@P"),
    ("@A", "@P", "and", "@A", "@P"),
    ("@N", "@P", "explained"),
    ("@G", "@A", "@P", "without", "@A", "@P"),
)


def _title(draws: _Draws) -> str:
    words = []
    for slot in draws.pick(_TITLE_PATTERNS):
        if slot == "@A":
            words.append(draws.pick(_ADJECTIVES))
        elif slot == "@N":
            words.append(draws.pick(_NOUNS))
        elif slot == "@P":
            words.append(draws.pick(_PLURALS))
        elif slot == "@V":
            words.append(draws.pick(_VERBS))
        elif slot == "@G":
            words.append(draws.pick(_GERUNDS))
        elif slot == "@T":
            words.append(draws.pick(_TOPICS))
        else:
            words.append(slot)
    for i in range(len(words) - 1):
        if words[i] == "a":
            words[i : i + 2] = _with_article("a", words[i + 1]).split(" ", 1)
    return _capital(" ".join(words))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- page text --------------------------------------------------------------------


def _page_text(draws: _Draws, page: _Page, linkable: list[_Page], pool: list[_Image]) -> str:
    head = _front_matter(draws, page) if page.front_matter else f"# {page.title}\n\n"
    writer = _Writer(draws, page, linkable, one_line_per_sentence=draws.percent(30))
    blocks = writer.body(len(head))
    if writer.can_link() and draws.percent(35):
        chosen = [writer.other_page() for _ in range(draws.between(2, 4))]
        items = "\n".join(f"- [{t.title}]({writer.url_to(t)})" for t in chosen)
        blocks.append(f"## Related\n\n{items}")
    for _ in range(page.images):
        image = draws.pick(pool)
        title = f' "{image.title}"' if image.title else ""
        # Position 0 is the intro paragraph; images come after it.
        blocks.insert(draws.between(1, len(blocks)), f"![{image.alt}](images/{image.name}{title})")
    return head + "\n\n".join(blocks) + "\n"


def _front_matter(draws: _Draws, page: _Page) -> str:
    lines = [
        "---",
        f'title: "{page.title}"',
        f"date: {page.date.isoformat()}",
        f"tags: [{', '.join(page.tags)}]",
        f'summary: "{_Writer(draws, page, [], False).sentence(links=False)}"',
    ]
    if page.slug:
        lines.append(f"slug: {page.slug}")
    if page.draft:
        lines.append("draft: true")
    if page.template:
        lines.append("template: page")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


@dataclass(slots=True)
class _Writer:
    draws: _Draws
    page: _Page
    linkable: list[_Page]  # every page that is not a draft, possibly this one
    one_line_per_sentence: bool
    urls: dict[str, str] = field(default_factory=dict)  # target folder -> relative prefix

    def can_link(self) -> bool:
        linkable = self.linkable
        return len(linkable) > 1 or (len(linkable) == 1 and linkable[0] is not self.page)

    def other_page(self) -> _Page:
        """A link target other than this page; only call when ``can_link()``."""
        at = self.draws.below(len(self.linkable))
        if self.linkable[at] is self.page:
            at = (at + 1) % len(self.linkable)
        return self.linkable[at]

    def url_to(self, target: _Page) -> str:
        prefix = self.urls.get(target.folder)
        if prefix is None:
            prefix = posixpath.relpath(target.folder, self.page.folder)
            prefix = "" if prefix == "." else prefix + "/"
            self.urls[target.folder] = prefix
        return f"{prefix}{target.out_name}.html"

    def body(self, head_size: int) -> list[str]:
        draws = self.draws
        blocks = [self.paragraph()]
        size = head_size + len(blocks[0])
        since_heading = 0
        heading_after = draws.between(0, 2)
        subsections = False
        after_list = False
        while size < self.page.target:
            if since_heading >= heading_after:
                if subsections and draws.percent(35):
                    block = "### " + self.heading()
                else:
                    block = "## " + self.heading()
                    subsections = True
                since_heading, heading_after = 0, draws.between(2, 5)
                after_list = False
            else:
                # Two lists in a row would merge into one list, so none follows a list.
                block, after_list = self.block(allow_list=not after_list)
                since_heading += 1
            if size + len(block) + 2 > _HARD_STOP:
                break
            blocks.append(block)
            size += len(block) + 2
        if blocks[-1].startswith("#"):
            blocks.pop()  # a heading with nothing under it
        return blocks

    def block(self, allow_list: bool) -> tuple[str, bool]:
        """A body block, and whether it is a list."""
        roll = self.draws.below(100)
        if 50 <= roll < 64 and allow_list:
            return self.bullet_list(), True
        if roll < 64:
            return self.paragraph(), False
        if roll < 77:
            return self.code_block(), False
        if roll < 85:
            return self.table(), False
        if roll < 93:
            return self.quote(), False
        return self.paragraph(), False

    def heading(self) -> str:
        draws = self.draws
        kind = draws.below(6)
        if kind == 0:
            text = f"{draws.pick(_ADJECTIVES)} {draws.pick(_PLURALS)}"
        elif kind == 1:
            text = f"{draws.pick(_GERUNDS)} the {draws.pick(_NOUNS)}"
        elif kind == 2:
            text = f"{draws.pick(_NOUNS)} and {draws.pick(_NOUNS)}"
        elif kind == 3:
            text = f"why {draws.pick(_PLURALS)} {draws.pick(_VERBS)}"
        elif kind == 4:
            text = f"step {draws.between(1, 9)}: {draws.pick(_VERBS)} the {draws.pick(_NOUNS)}"
        else:
            text = f"{draws.pick(_TOPICS)} {draws.pick(_NOUNS)} {draws.pick(_PLURALS)}"
        return _capital(text)

    def clause(self) -> list[str]:
        # One draw of nine values per clause: picking word by word through method
        # calls was the main cost of a large corpus.
        v = self.draws.take(9)
        kind = v[0] % 5
        if kind == 0:  # "the small cache stores every page"
            if v[1] % 2:
                subject = f"{_DET_ADJ[v[2] % len(_DET_ADJ)]} {_NOUNS[v[3] % len(_NOUNS)]}"
            else:
                subject = _DET_NOUN[v[2] % len(_DET_NOUN)]
            words = [subject, _VERBS_3RD[v[4] % len(_VERBS_3RD)], _DET_NOUN[v[5] % len(_DET_NOUN)]]
        elif kind == 1:  # "a parser can quickly render the static layout in each folder"
            words = [_DET_NOUN[v[1] % len(_DET_NOUN)], _AUX[v[2] % len(_AUX)]]
            if v[3] % 5 < 2:
                words.append(_ADVERBS[v[3] % len(_ADVERBS)])
            words += [
                _VERBS[v[4] % len(_VERBS)],
                f"{_DET_ADJ[v[5] % len(_DET_ADJ)]} {_NOUNS[v[6] % len(_NOUNS)]}",
                _PREPS[v[7] % len(_PREPS)],
                _DET_NOUN[v[8] % len(_DET_NOUN)],
            ]
        elif kind == 2:  # "we build the pages from the feed"
            words = [
                _PRONOUNS[v[1] % len(_PRONOUNS)],
                _VERBS[v[2] % len(_VERBS)],
                "the",
                _PLURALS[v[3] % len(_PLURALS)],
                _PREPS[v[4] % len(_PREPS)],
                _DET_NOUN[v[5] % len(_DET_NOUN)],
            ]
        elif kind == 3:  # "it is rarely useful to sort the tags"
            words = [
                "it is",
                _ADVERBS[v[1] % len(_ADVERBS)],
                _ADJECTIVES[v[2] % len(_ADJECTIVES)],
                "to",
                _VERBS[v[3] % len(_VERBS)],
                "the",
                _PLURALS[v[4] % len(_PLURALS)],
            ]
        else:  # "the pages of each site stay small"
            words = [
                "the",
                _PLURALS[v[1] % len(_PLURALS)],
                "of",
                _DET_NOUN[v[2] % len(_DET_NOUN)],
                _STATE_VERBS[v[3] % len(_STATE_VERBS)],
                _ADJECTIVES[v[4] % len(_ADJECTIVES)],
            ]
        if v[7] % 100 < 3:
            words.append(_FLAVOUR[v[6] % len(_FLAVOUR)])
        return words

    def sentence(self, links: bool = True) -> str:
        draws = self.draws
        v = draws.take(5)
        clauses = [self.clause() for _ in range((1, 1, 1, 2, 2, 3)[v[0] % 6])]
        if links:
            which = v[1] % len(clauses)
            # Never the sentence's first word, which gets capitalised.
            self.decorate(clauses[which], 1 if which == 0 else 0)
        text = " ".join(clauses[0])
        for clause in clauses[1:]:
            text += f"{draws.pick(_CONNECTORS)} {' '.join(clause)}"
        if v[2] % 100 < 15:
            return f"{_OPENERS[v[3] % len(_OPENERS)]} {text}."
        return _capital(text) + "."

    def decorate(self, words: list[str], first: int) -> None:
        """Inline markup, a link or an ampersand on a few words of a clause."""
        draws = self.draws
        roll = draws.below(100)
        at = draws.between(first, len(words) - 1)
        if roll < 8:
            words[at] = f"*{words[at]}*"
        elif roll < 13 and at + 1 < len(words):
            words[at : at + 2] = [f"**{words[at]} {words[at + 1]}**"]
        elif roll < 22:
            if draws.percent(50):
                words[at] = f"`{draws.pick(_INLINE_CODE)}`"
            else:
                words[at] = f"`{draws.pick(_VERBS)}_{draws.pick(_NOUNS)}()`"
        elif roll < 25:
            words.append(draws.pick(_AMPERSAND))
        elif roll < 30:
            words[at] = f"[{words[at]}]({self.external_url()})"

    def external_url(self) -> str:
        draws = self.draws
        host = draws.pick(_EXTERNAL_HOSTS)
        kind = draws.below(4)
        if kind == 0:
            return f"https://{host}/{draws.pick(_NOUNS)}/{draws.pick(_VERBS)}-{draws.pick(_NOUNS)}"
        if kind == 1:
            return f"https://{host}/{draws.pick(_PLURALS)}#{draws.pick(_NOUNS)}"
        if kind == 2:
            return f"https://{host}/search?q={draws.pick(_NOUNS)}&page={draws.between(1, 9)}"
        return f"https://{host}/blog/{draws.between(2015, 2025)}/{draws.pick(_NOUNS)}.html"

    def paragraph(self) -> str:
        draws = self.draws
        sentences = [self.sentence() for _ in range(draws.between(2, 6))]
        if draws.percent(30) and self.can_link():
            target = self.other_page()
            link = f"[{target.title}]({self.url_to(target)})"
            at = draws.between(0, len(sentences))
            sentences.insert(at, draws.pick(_LINK_SENTENCES).format(link))
        return ("\n" if self.one_line_per_sentence else " ").join(sentences)

    def short(self) -> str:
        """A list item or table cell: a fragment rather than a sentence."""
        draws = self.draws
        kind = draws.below(4)
        if kind == 0:
            text = f"{draws.pick(_VERBS)} the {draws.pick(_ADJECTIVES)} {draws.pick(_NOUNS)}"
        elif kind == 1:
            adj, plural, prep = draws.pick(_ADJECTIVES), draws.pick(_PLURALS), draws.pick(_PREPS)
            text = f"{adj} {plural} {prep} the {draws.pick(_NOUNS)}"
        elif kind == 2:
            text = f"use `{draws.pick(_INLINE_CODE)}` for {draws.pick(_PLURALS)}"
        else:
            text = f"**{draws.pick(_NOUNS)}**: {draws.pick(_ADVERBS)} {draws.pick(_ADJECTIVES)}"
        return _capital(text)

    def bullet_list(self) -> str:
        draws = self.draws
        ordered = draws.percent(35)
        marker = draws.pick(("-", "*"))
        lines = []
        for number in range(1, draws.between(3, 6) + 1):
            lead = f"{number}." if ordered else marker
            item = self.sentence() if draws.percent(25) else self.short()
            lines.append(f"{lead} {item}")
            if draws.percent(12):
                # Four spaces: Python-Markdown needs them to nest, CommonMark accepts them.
                lines += [f"    - {self.short()}" for _ in range(draws.between(2, 3))]
        return "\n".join(lines)

    def code_block(self) -> str:
        draws = self.draws
        noun = draws.pick(_NOUNS)
        fields = {
            "noun": noun,
            "Noun": _capital(noun),
            "other": draws.pick(_NOUNS),
            "verb": draws.pick(_VERBS),
            "Verb": _capital(draws.pick(_VERBS)),
            "attr": draws.pick(_NOUNS),
            "adj": draws.pick(_ADJECTIVES),
            "num": draws.between(2, 5000),
            "small": draws.between(1, 8),
            "pkg": draws.pick(("pipeline", "mkdocs", "pelican", "sitegen", "markdown")),
            "VAR": f"{noun.upper()}_{draws.pick(_NOUNS).upper()}",
            "value": draws.pick(("1", "true", "/tmp/site", "info", "8080", "utf-8")),
        }
        language = draws.pick(("python", "python", "bash", "json"))
        if language == "python":
            code = draws.pick(_PYTHON_SNIPPETS).format(**fields)
        elif language == "bash":
            code = draws.pick(_BASH_SNIPPETS).format(**fields)
        else:
            code = self.json_object()
        return f"```{language}\n{code}\n```"

    def json_object(self) -> str:
        draws = self.draws
        keys = draws.sample(_NOUNS, 5)
        values = (
            f'"{draws.pick(_ADJECTIVES)}"',
            str(draws.between(0, 10000)),
            draws.pick(("true", "false", "null")),
            "[" + ", ".join(f'"{w}"' for w in draws.sample(_TAGS, 3)) + "]",
            f'{{"{draws.pick(_ADJECTIVES)}": {draws.between(1, 64)}, '
            f'"enabled": {draws.pick(("true", "false"))}}}',
        )
        lines = [f'  "{key}": {value}' for key, value in zip(keys, values, strict=True)]
        return "{\n" + ",\n".join(lines) + "\n}"

    def table(self) -> str:
        draws = self.draws
        rows = draws.between(2, 6)
        if draws.percent(40):
            # A plausible benchmark: time and memory grow with the page count.
            header = ["Pages", "Time (s)", "Memory (MB)"]
            micros_per_page, kb_per_page = draws.between(200, 4000), draws.between(5, 60)
            body = []
            for pages in sorted(draws.sample((100, 500, 1000, 5000, 10000, 50000), rows)):
                tenths = max(1, pages * micros_per_page // 100_000)
                megabytes = 20 + pages * kb_per_page // 1000
                body.append([str(pages), f"{tenths // 10}.{tenths % 10}", str(megabytes)])
            align = "|------:|---------:|------------:|"
        else:
            header = ["Option", "Default", "Description"]
            body = []
            for _ in range(rows):
                name = f"{draws.pick(_NOUNS)}_{draws.pick(_NOUNS)}"
                default = draws.pick(("true", "false", "none", str(draws.between(1, 99))))
                body.append([f"`{name}`", f"`{default}`", self.short()])
            align = "|--------|---------|-------------|"
        lines = ["| " + " | ".join(header) + " |", align]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)

    def quote(self) -> str:
        draws = self.draws
        if draws.percent(40):
            return f"> **{draws.pick(('Note', 'Tip', 'Warning'))}:** {self.sentence()}"
        lines = [f"> {self.sentence()}" for _ in range(draws.between(1, 3))]
        return "\n>\n".join(lines)


# --- media ------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png(draws: _Draws) -> bytes:
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


def _svg(draws: _Draws, image: _Image) -> bytes:
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
