"""The Markdown extension set, apart from Markdown itself.

Every build's cache key names it (``pipeline.cache.keys.site_key``), and a build that
renders nothing must not import Markdown to learn it; ``pipeline.markup`` builds the
converters from it.
"""

# The fixed extension set. Changing it changes every page's HTML: do it on purpose.
EXTENSIONS: tuple[str, ...] = (
    "abbr",
    "attr_list",
    "def_list",
    "fenced_code",
    "footnotes",
    "tables",
    "toc",
    "sane_lists",
)
