"""The Markdown text of one planned page: front matter, blocks, links and images."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from benchmarks.corpus.draws import HARD_STOP, Draws, ImagePlan, PagePlan, capital
from benchmarks.corpus.words import (
    ADJECTIVES,
    ADVERBS,
    AMPERSAND,
    AUX,
    BASH_SNIPPETS,
    CONNECTORS,
    DET_ADJ,
    DET_NOUN,
    EXTERNAL_HOSTS,
    FLAVOUR,
    GERUNDS,
    INLINE_CODE,
    LINK_SENTENCES,
    NOUNS,
    OPENERS,
    PLURALS,
    PREPS,
    PRONOUNS,
    PYTHON_SNIPPETS,
    STATE_VERBS,
    TAGS,
    TOPICS,
    VERBS,
    VERBS_3RD,
)


def page_text(draws: Draws, page: PagePlan, linkable: list[PagePlan], pool: list[ImagePlan]) -> str:
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


def _front_matter(draws: Draws, page: PagePlan) -> str:
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
    draws: Draws
    page: PagePlan
    linkable: list[PagePlan]  # every page that is not a draft, possibly this one
    one_line_per_sentence: bool
    urls: dict[str, str] = field(default_factory=dict)  # target folder -> relative prefix

    def can_link(self) -> bool:
        linkable = self.linkable
        return len(linkable) > 1 or (len(linkable) == 1 and linkable[0] is not self.page)

    def other_page(self) -> PagePlan:
        """A link target other than this page; only call when ``can_link()``."""
        at = self.draws.below(len(self.linkable))
        if self.linkable[at] is self.page:
            at = (at + 1) % len(self.linkable)
        return self.linkable[at]

    def url_to(self, target: PagePlan) -> str:
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
            if size + len(block) + 2 > HARD_STOP:
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
            text = f"{draws.pick(ADJECTIVES)} {draws.pick(PLURALS)}"
        elif kind == 1:
            text = f"{draws.pick(GERUNDS)} the {draws.pick(NOUNS)}"
        elif kind == 2:
            text = f"{draws.pick(NOUNS)} and {draws.pick(NOUNS)}"
        elif kind == 3:
            text = f"why {draws.pick(PLURALS)} {draws.pick(VERBS)}"
        elif kind == 4:
            text = f"step {draws.between(1, 9)}: {draws.pick(VERBS)} the {draws.pick(NOUNS)}"
        else:
            text = f"{draws.pick(TOPICS)} {draws.pick(NOUNS)} {draws.pick(PLURALS)}"
        return capital(text)

    def clause(self) -> list[str]:
        # One draw of nine values per clause: picking word by word through method
        # calls was the main cost of a large corpus.
        v = self.draws.take(9)
        kind = v[0] % 5
        if kind == 0:  # "the small cache stores every page"
            if v[1] % 2:
                subject = f"{DET_ADJ[v[2] % len(DET_ADJ)]} {NOUNS[v[3] % len(NOUNS)]}"
            else:
                subject = DET_NOUN[v[2] % len(DET_NOUN)]
            words = [subject, VERBS_3RD[v[4] % len(VERBS_3RD)], DET_NOUN[v[5] % len(DET_NOUN)]]
        elif kind == 1:  # "a parser can quickly render the static layout in each folder"
            words = [DET_NOUN[v[1] % len(DET_NOUN)], AUX[v[2] % len(AUX)]]
            if v[3] % 5 < 2:
                words.append(ADVERBS[v[3] % len(ADVERBS)])
            words += [
                VERBS[v[4] % len(VERBS)],
                f"{DET_ADJ[v[5] % len(DET_ADJ)]} {NOUNS[v[6] % len(NOUNS)]}",
                PREPS[v[7] % len(PREPS)],
                DET_NOUN[v[8] % len(DET_NOUN)],
            ]
        elif kind == 2:  # "we build the pages from the feed"
            words = [
                PRONOUNS[v[1] % len(PRONOUNS)],
                VERBS[v[2] % len(VERBS)],
                "the",
                PLURALS[v[3] % len(PLURALS)],
                PREPS[v[4] % len(PREPS)],
                DET_NOUN[v[5] % len(DET_NOUN)],
            ]
        elif kind == 3:  # "it is rarely useful to sort the tags"
            words = [
                "it is",
                ADVERBS[v[1] % len(ADVERBS)],
                ADJECTIVES[v[2] % len(ADJECTIVES)],
                "to",
                VERBS[v[3] % len(VERBS)],
                "the",
                PLURALS[v[4] % len(PLURALS)],
            ]
        else:  # "the pages of each site stay small"
            words = [
                "the",
                PLURALS[v[1] % len(PLURALS)],
                "of",
                DET_NOUN[v[2] % len(DET_NOUN)],
                STATE_VERBS[v[3] % len(STATE_VERBS)],
                ADJECTIVES[v[4] % len(ADJECTIVES)],
            ]
        if v[7] % 100 < 3:
            words.append(FLAVOUR[v[6] % len(FLAVOUR)])
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
            text += f"{draws.pick(CONNECTORS)} {' '.join(clause)}"
        if v[2] % 100 < 15:
            return f"{OPENERS[v[3] % len(OPENERS)]} {text}."
        return capital(text) + "."

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
                words[at] = f"`{draws.pick(INLINE_CODE)}`"
            else:
                words[at] = f"`{draws.pick(VERBS)}_{draws.pick(NOUNS)}()`"
        elif roll < 25:
            words.append(draws.pick(AMPERSAND))
        elif roll < 30:
            words[at] = f"[{words[at]}]({self.external_url()})"

    def external_url(self) -> str:
        draws = self.draws
        host = draws.pick(EXTERNAL_HOSTS)
        kind = draws.below(4)
        if kind == 0:
            return f"https://{host}/{draws.pick(NOUNS)}/{draws.pick(VERBS)}-{draws.pick(NOUNS)}"
        if kind == 1:
            return f"https://{host}/{draws.pick(PLURALS)}#{draws.pick(NOUNS)}"
        if kind == 2:
            return f"https://{host}/search?q={draws.pick(NOUNS)}&page={draws.between(1, 9)}"
        return f"https://{host}/blog/{draws.between(2015, 2025)}/{draws.pick(NOUNS)}.html"

    def paragraph(self) -> str:
        draws = self.draws
        sentences = [self.sentence() for _ in range(draws.between(2, 6))]
        if draws.percent(30) and self.can_link():
            target = self.other_page()
            link = f"[{target.title}]({self.url_to(target)})"
            at = draws.between(0, len(sentences))
            sentences.insert(at, draws.pick(LINK_SENTENCES).format(link))
        return ("\n" if self.one_line_per_sentence else " ").join(sentences)

    def short(self) -> str:
        """A list item or table cell: a fragment rather than a sentence."""
        draws = self.draws
        kind = draws.below(4)
        if kind == 0:
            text = f"{draws.pick(VERBS)} the {draws.pick(ADJECTIVES)} {draws.pick(NOUNS)}"
        elif kind == 1:
            adj, plural, prep = draws.pick(ADJECTIVES), draws.pick(PLURALS), draws.pick(PREPS)
            text = f"{adj} {plural} {prep} the {draws.pick(NOUNS)}"
        elif kind == 2:
            text = f"use `{draws.pick(INLINE_CODE)}` for {draws.pick(PLURALS)}"
        else:
            text = f"**{draws.pick(NOUNS)}**: {draws.pick(ADVERBS)} {draws.pick(ADJECTIVES)}"
        return capital(text)

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
        noun = draws.pick(NOUNS)
        fields = {
            "noun": noun,
            "Noun": capital(noun),
            "other": draws.pick(NOUNS),
            "verb": draws.pick(VERBS),
            "Verb": capital(draws.pick(VERBS)),
            "attr": draws.pick(NOUNS),
            "adj": draws.pick(ADJECTIVES),
            "num": draws.between(2, 5000),
            "small": draws.between(1, 8),
            "pkg": draws.pick(("pipeline", "mkdocs", "pelican", "sitegen", "markdown")),
            "VAR": f"{noun.upper()}_{draws.pick(NOUNS).upper()}",
            "value": draws.pick(("1", "true", "/tmp/site", "info", "8080", "utf-8")),
        }
        language = draws.pick(("python", "python", "bash", "json"))
        if language == "python":
            code = draws.pick(PYTHON_SNIPPETS).format(**fields)
        elif language == "bash":
            code = draws.pick(BASH_SNIPPETS).format(**fields)
        else:
            code = self.json_object()
        return f"```{language}\n{code}\n```"

    def json_object(self) -> str:
        draws = self.draws
        keys = draws.sample(NOUNS, 5)
        values = (
            f'"{draws.pick(ADJECTIVES)}"',
            str(draws.between(0, 10000)),
            draws.pick(("true", "false", "null")),
            "[" + ", ".join(f'"{w}"' for w in draws.sample(TAGS, 3)) + "]",
            f'{{"{draws.pick(ADJECTIVES)}": {draws.between(1, 64)}, '
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
                name = f"{draws.pick(NOUNS)}_{draws.pick(NOUNS)}"
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
