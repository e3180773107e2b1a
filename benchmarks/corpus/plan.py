"""Planning a corpus: which pages, in which sections, with which images."""

from __future__ import annotations

import datetime as dt

from benchmarks.corpus.draws import (
    MAX_TARGET,
    MIN_TARGET,
    Draws,
    ImagePlan,
    PagePlan,
    capital,
    slugify,
)
from benchmarks.corpus.words import (
    ADJECTIVES,
    FIRST_DAY,
    GERUNDS,
    LAST_DAY,
    NOUNS,
    PLURALS,
    SECTIONS,
    TAGS,
    TOPICS,
    VERBS,
    with_article,
)


def plan_pages(draws: Draws, count: int) -> list[PagePlan]:
    weights = [weight for _, weight, _ in SECTIONS]
    total_weight = sum(weights)
    width = max(4, len(str(count - 1)))
    plan = []
    for index in range(count):
        roll = draws.below(total_weight)
        section = 0
        while roll >= weights[section]:
            roll -= weights[section]
            section += 1
        folder, _, year = SECTIONS[section]
        title = _title(draws)
        stem = f"{slugify(' '.join(title.split()[:6]))}-{index:0{width}d}"
        front_matter = not draws.percent(5)
        draft = front_matter and draws.percent(3)
        slug = None
        if front_matter and draws.percent(10):
            # Ends in "-<index>" without zero padding, while stems end in a padded
            # index, so a slug can only ever equal its own page's stem.
            slug = f"{slugify(draws.pick(ADJECTIVES) + ' ' + draws.pick(NOUNS))}-{index}"
        if year:
            first, last = dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal()
        else:
            first, last = FIRST_DAY, LAST_DAY
        plan.append(
            PagePlan(
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
                tags=draws.sample(TAGS, draws.between(1, 4)),
                images=draws.between(1, 3) if draws.percent(33) else 0,
                target=draws.between(MIN_TARGET, MAX_TARGET),
            )
        )
    return plan


def plan_images(draws: Draws, plan: list[PagePlan]) -> dict[str, list[ImagePlan]]:
    """Each section shares one pool of images; pages pick from it with repeats."""
    per_section = {folder: 0 for folder, _, _ in SECTIONS}
    for page in plan:
        per_section[page.folder] += 1
    pools = {}
    for folder, _, _ in SECTIONS:
        if not per_section[folder]:
            continue
        images = []
        for number in range(max(2, (per_section[folder] * 2 + 4) // 5)):
            noun, adj = draws.pick(NOUNS), draws.pick(ADJECTIVES)
            ext = "svg" if draws.percent(20) else "png"
            kind = draws.pick(("Diagram of a", "Screenshot of a", "Chart of a", "a"))
            title = None
            if draws.percent(50):
                title = capital(f"{draws.pick(PLURALS)} per {noun}, {adj} case")
            name = f"{adj}-{noun}-{number:03d}.{ext}"
            alt = capital(f"{kind[:-1]}{with_article('a', adj)} {noun}")
            images.append(ImagePlan(name=name, alt=alt, title=title))
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


def _title(draws: Draws) -> str:
    slots = {"@A": ADJECTIVES, "@N": NOUNS, "@P": PLURALS, "@V": VERBS, "@G": GERUNDS,
             "@T": TOPICS}  # fmt: skip
    words = []
    for slot in draws.pick(_TITLE_PATTERNS):
        words.append(draws.pick(slots[slot]) if slot in slots else slot)
    for i in range(len(words) - 1):
        if words[i] == "a":
            words[i : i + 2] = with_article("a", words[i + 1]).split(" ", 1)
    return capital(" ".join(words))
