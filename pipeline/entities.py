"""Character references in a page's HTML, decoded as browsers decode them, whatever the page.

``html.unescape`` (and ``HTMLParser`` with ``convert_charrefs``) turn a numeric reference
past U+10FFFF into U+FFFD, as HTML5 says, but they read its digits with ``int()``, which
refuses more than 4300 of them (``sys.get_int_max_str_digits``, a guard against quadratic
parsing): a page with "&#" and 5000 digits failed with Python's message about integer
digits. Such a reference is first shortened to one of the same meaning.
"""

from __future__ import annotations

import html
import re

# "&#" or "&#x" and 8 digits or more: leading zeros may hide a short value ("&#x000041").
_LONG = re.compile(r"&#([xX][0-9a-fA-F]{8,}|[0-9]{8,})")


def _shortened(match: re.Match[str]) -> str:
    ref = match[1]
    hexadecimal = ref[0] in "xX"
    digits = (ref[1:] if hexadecimal else ref).lstrip("0") or "0"
    if len(digits) > (6 if hexadecimal else 7):  # 0x10FFFF has 6 digits, 1114111 has 7
        digits = "110000" if hexadecimal else "1114112"  # one past U+10FFFF: U+FFFD
    return f"&#x{digits}" if hexadecimal else f"&#{digits}"


def safe(text: str) -> str:
    """``text`` with every numeric reference too long for ``int()`` shortened; the same
    text for every decoder (a "&#" is rare: one ``in`` test for most pages)."""
    return _LONG.sub(_shortened, text) if "&#" in text else text


def unescape(text: str) -> str:
    """``html.unescape`` for any text."""
    return html.unescape(safe(text))
