"""Word lists and phrase patterns of the synthetic corpus.

Their order is part of the corpus: a draw picks an item by index, so inserting,
removing or reordering an item changes every page after the first draw that reaches
it (the digest test in tests/test_corpus.py would tell). Append only.
"""

from __future__ import annotations

import datetime as dt


def _words(text: str) -> tuple[str, ...]:
    """The items of a ``|``-separated list; newlines are only line wrapping."""
    return tuple(" ".join(item.split()) for item in text.split("|"))


# (folder, relative share of pages, year that dates are pinned to or 0 for any year)
SECTIONS = (
    ("blog/2023", 4, 2023),
    ("blog/2024", 5, 2024),
    ("docs/guide", 3, 0),
    ("docs/reference", 2, 0),
    ("docs/reference/api", 2, 0),
    ("notes", 3, 0),
    ("projects", 1, 0),
)

FIRST_DAY = dt.date(2019, 1, 1).toordinal()

LAST_DAY = dt.date(2025, 12, 31).toordinal()

TAGS = _words(
    """
python | performance | markdown | html | css | javascript | typography | accessibility |
testing | ci | docker | linux | git | caching | deployment | security | design | tooling |
tutorial | release-notes | devops | api | cli | static-sites | writing | open-source |
databases | rust | images | search
"""
)

TOPICS = _words(
    """
Python | Markdown | HTML | CSS | Git | Docker | Linux | YAML | JSON | Jinja | Rust | SQLite
| Nginx | Bash
"""
)

DETS = ("the", "the", "the", "a", "each", "every", "this", "our", "one", "that", "your")

PRONOUNS = ("we", "you", "they", "most teams", "many readers", "I")

AUX = ("can", "should", "will", "must", "may", "could", "might", "would")

ADVERBS = _words(
    """
quickly | rarely | usually | often | never | always | simply | carefully | mostly | roughly
| already | still | only | eventually | quietly | barely
"""
)

PREPS = _words(
    """
in | from | into | for | with | on | behind | after | before | under | across | per
"""
)

OPENERS = _words(
    """
In practice, | Usually, | For example, | Most of the time, | On a large site, | In our
tests, | Surprisingly, | As a rule, | By default, | In short, | Later, | Even so, | On a
cold cache, | At first,
"""
)

CONNECTORS = (
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

ADJECTIVES = _words(
    """
fast | slow | small | large | simple | clean | stable | static | dynamic | incremental |
lazy | eager | careful | robust | fragile | cheap | expensive | quiet | noisy | common |
rare | useful | obvious | subtle | plain | modern | old | new | local | remote | safe |
strict | loose | broken | empty | full | hidden | visible | nested | flat | shared | private
| public | stale | fresh | predictable | readable | portable | minimal | generous | tiny |
huge | warm | cold | partial | complete | manual | automatic | optional | default | custom
"""
)

NOUNS = _words(
    """
site | page | build | cache | file | folder | template | output | input | server | request |
response | header | link | image | asset | theme | layout | section | index | feed | tag |
draft | config | option | plugin | parser | token | block | list | table | heading |
paragraph | document | version | release | change | commit | branch | test | benchmark |
profile | memory | disk | network | browser | user | reader | writer | editor | author |
note | guide | reference | tutorial | example | pattern | module | package | function |
class | method | value | key | type | error | warning | log | path | route | query |
database | schema | record | field | queue | worker | thread | process | job | task | step |
stage | pipeline | stream | buffer | chunk | batch | hash | digest | checksum | timestamp |
date | clock | second | cost | speed | size | limit | budget | metric | graph | chart |
report | result | summary | detail | reason | idea | question | answer | problem | solution
| tradeoff | approach | design | system | service | client | library | tool | script |
command | shell | terminal | machine | container | deployment | font | color | margin |
sidebar | footer | menu | archive | sitemap | slug | title | word | sentence | line |
character | encoding | locale | timezone | backup | mirror | proxy | domain
"""
)

# Words that make the text look like real, imperfect writing; kept out of titles and slugs.
FLAVOUR = (
    "in a naïve way",
    "at the café",
    "behind a façade",
    "like a cliché",
    "on a résumé",
    "with some déjà vu",
    "in an über-build",
)

VERBS = _words(
    """
build | render | parse | write | read | load | store | cache | compute | check | compare |
measure | skip | split | merge | sort | filter | group | publish | deploy | watch | serve |
fetch | copy | move | rename | escape | validate | generate | collect | update | rebuild |
invalidate | index | link | resize | compress | profile | trace | ship | review | test |
replace | format | stream | count | track | hide | show | plan | run | map | drop | keep
"""
)

# Verbs whose final consonant doubles before -ing.
DOUBLING = ("skip", "split", "ship", "plan", "run", "map", "drop")

# For plural subjects.
STATE_VERBS = ("stay", "look", "remain", "feel", "become", "get", "seem", "turn out")

INLINE_CODE = _words(
    """
config.yaml | build() | --verbose | make test | self.cache | dict[str, int] | None |
os.path.join | index.html | __init__.py | a < b | x && y | <div> | -> None | 2>&1 | x > 0 |
<title> | &amp; | git diff | pip install -e . | Path.glob | utf-8 | SIGTERM | --jobs 4 |
ctime | 404 | sha256 | *.md
"""
)

AMPERSAND = (
    "during build & deploy",
    "in the Q&A",
    "for R&D",
    "with read & write access",
    "via search & replace",
    "as cause & effect",
)

LINK_SENTENCES = (
    "See {} for more detail.",
    "We covered this in {}.",
    "{} walks through the same idea.",
    "Compare this with {}.",
)

EXTERNAL_HOSTS = ("example.com", "example.org", "docs.example.net", "blog.example.com")

PYTHON_SNIPPETS = (
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

BASH_SNIPPETS = (
    "$ pip install {pkg}\n$ python -m {pkg} build --out site/ --jobs {small}",
    'find content -name "*.md" | wc -l\ngrep -rn "TODO" src/ > todo.txt && echo "done"',
    "export {VAR}={value}\nmake build 2>&1 | tee build.log",
    "curl -s https://example.com/api/{noun}s | jq '.items[] | .name'",
    "git log --oneline -n {num} -- {noun}/\ngit diff HEAD~{small} --stat",
    'for f in {noun}/*.md; do\n    wc -c "$f"\ndone | sort -n | tail -{small}',
    "time python -m {pkg} build\ndu -sh site/ && ls site/ | head",
)


def third_person(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z")):
        return verb + "es"
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def gerund(verb: str) -> str:
    if verb in DOUBLING:
        return verb + verb[-1] + "ing"
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    return verb + "ing"


PLURALS = tuple(third_person(noun) for noun in NOUNS)  # same spelling rule as verbs
VERBS_3RD = tuple(third_person(verb) for verb in VERBS)
GERUNDS = tuple(gerund(verb) for verb in VERBS)


def with_article(det: str, word: str) -> str:
    # No word in the lists starts with a "u" that would take "an".
    return f"{'an' if det == 'a' and word[0] in 'aeio' else det} {word}"


# Determiner phrases, built once so that sentences need fewer draws.
DET_NOUN = tuple(with_article(det, noun) for det in DETS for noun in NOUNS)
DET_ADJ = tuple(with_article(det, adj) for det in DETS for adj in ADJECTIVES)
