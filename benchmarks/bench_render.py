"""Rendering one page: Markdown and templates, measured separately."""

from benchmarks import common


class MarkdownRender:
    """Python-Markdown converting one median-size generated page with the pipeline's converter."""

    version = 1
    timeout = 120
    warmup_time = 0.5

    def setup_cache(self):
        return common.render_data()

    def setup(self, data):
        self.md = common.markdown_converter()
        self.body = data["body"]

    def time_markdown_page(self, data):
        """Wall time per page; a rise means the Markdown stage got slower."""
        self.md.reset()
        self.md.convert(self.body)

    def track_markdown_page_instructions(self, data):
        """CPU instructions per page under valgrind: moves only when the work changes."""
        return common.count_instructions("markdown_page", data["content"])

    track_markdown_page_instructions.unit = "instructions"
    track_markdown_page_instructions.timeout = 300


class MarkdownLongParagraph:
    """The pipeline's converter on one paragraph of 400 KB ("x_y " repeated): every "_"
    is a place emphasis could start and none can. Stock Markdown is linear in it; the
    fast inline processor once searched the rest of the text for each such place."""

    version = 1
    timeout = 300

    def setup(self):
        self.md = common.markdown_converter()
        self.body = "x_y " * 100_000

    def time_long_paragraph(self):
        """Wall time of the paragraph; a rise means the inline path grew worse than linear."""
        self.md.reset()
        self.md.convert(self.body)


# Hostile pages (docs/profiling-report.md, "Hostile pages"), each sized so that the
# quadratic path stock Python-Markdown takes through it costs about half a second to a
# second here: a step down marks the commit that made it linear, a step up a path that
# grew quadratic again.
HOSTILE = {
    "link_brackets": lambda: "[a][" * 1000,
    "start_tags": lambda: "x <a b=" * 2000,
    "definitions": lambda: "".join(f"*[A{i}B]: t\n[^{i}]: n\n" for i in range(1000)),
    "list_item_lines": lambda: "- item\n" + "a lazy line of the item's paragraph\n" * 32_000,
    "setext_headings": lambda: "a\n=\n" * 3000,
    "small_blocks": lambda: "a\n\n" * 40_000,
}


class MarkdownHostile:
    """The pipeline's converter on one hostile page per parameter (``HOSTILE``)."""

    params = list(HOSTILE)
    param_names = ["page"]
    version = 1
    timeout = 300
    number = 1
    repeat = (3, 10, 20.0)
    warmup_time = 0

    def setup(self, page):
        self.md = common.markdown_converter()
        self.body = HOSTILE[page]()

    def time_hostile_page(self, page):
        """Wall time of the page; old commits take its quadratic path."""
        self.md.reset()
        self.md.convert(self.body)


# Hostile pages found by ``python -m perftools hostile-sweep`` (2026-12-04), sized as
# HOSTILE's are: stock's footnote references (each looked up its footnote's place among
# all of them; the n-th reference to one footnote walked past n - 1 ids) and the inline
# processor's ancestors (a list copied for each element: emphasis nested thousands deep);
# and one term's run of definitions (each gave the rest of the block back, 4f9fcd7); and a
# paragraph of entities or of escapes (stock's inline processor copied the whole text for
# each, f16a44d).
# A class of their own: adding them to HOSTILE would change MarkdownHostile's params.
SWEPT = {
    "footnotes": lambda: (
        "".join(f"text[^{i}]\n" for i in range(5000))
        + "\n"
        + "".join(f"[^{i}]: note\n" for i in range(5000))
    ),
    "footnote_references": lambda: "x[^1] " * 1500 + "\n\n[^1]: note\n",
    "nested_emphasis": lambda: "*" * 50_000 + "a" + "*" * 50_000 + "\n",
    "definitions": lambda: "term\n" + ": def\n" * 10_000,
    "entities": lambda: "&amp; &#169; " * 10_000 + "\n",
    "escapes": lambda: "\\* " * 20_000 + "\n",
}


class MarkdownHostileSwept(MarkdownHostile):
    """The pipeline's converter on one page per parameter of ``SWEPT``."""

    params = list(SWEPT)

    def setup(self, page):
        self.md = common.markdown_converter()
        self.body = SWEPT[page]()


class TemplateRender:
    """The page template for one median-size page, Markdown done beforehand, encoded to bytes."""

    version = 1
    timeout = 120
    warmup_time = 0.5

    def setup_cache(self):
        return common.render_data()

    def setup(self, data):
        self.render = common.page_template_renderer(data["body"])

    def time_page_template(self, data):
        """Wall time per page for templating and serialization."""
        self.render()

    def track_page_template_instructions(self, data):
        """CPU instructions per page under valgrind."""
        return common.count_instructions("template_page", data["content"])

    track_page_template_instructions.unit = "instructions"
    track_page_template_instructions.timeout = 300


class PageAllocations:
    """Python allocations one page's render (Markdown and template) makes."""

    version = 1
    timeout = 300

    def setup_cache(self):
        return common.render_data()

    def setup(self, data):
        common.page_template_renderer(data["body"])

    def track_page_allocations(self, data):
        """Calls to CPython's allocator, counted by valgrind: repeatable, unlike memory peaks."""
        return common.count_allocations("page", data["content"])

    track_page_allocations.unit = "allocations"


class StockMarkdownRender:
    """Stock Python-Markdown converting the same page as MarkdownRender, without the
    pipeline's fast inline processor (pipeline.fastinline): the baseline it is measured
    against, kept in history beside time_markdown_page."""

    version = 1
    timeout = 120
    warmup_time = 0.5

    def setup_cache(self):
        return common.render_data()

    def setup(self, data):
        import markdown

        extensions = common.require("pipeline.markup", "EXTENSIONS")
        self.md = markdown.Markdown(extensions=list(extensions))
        self.body = data["body"]

    def time_stock_markdown_page(self, data):
        """Wall time per page with stock Markdown; moves only with Markdown or the page."""
        self.md.reset()
        self.md.convert(self.body)
