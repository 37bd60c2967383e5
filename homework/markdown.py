"""A safe Markdown subset for instructions: paragraphs, lists, **bold**, *italic*."""

import functools
import re

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "br"}


def _inline(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])", r"<em>\1</em>", text)


def render(source: str) -> SafeString:
    """Escape everything, then add the few tags the subset allows; nh3 has the last word.
    The same words give the same HTML: a short text's is kept once made (a list of records
    shows the same entries again and again)."""
    source = source or ""
    if type(source) is not str or len(source) > KEPT_LONGEST:
        return _render(source)
    return _kept(source)


# Texts up to this length are kept, the last 256 made in a process (about 2 MB at most).
KEPT_LONGEST = 4000


@functools.lru_cache(maxsize=256)
def _kept(source: str) -> SafeString:
    return _render(source)


def _render(source: str) -> SafeString:
    blocks = re.split(r"\n\s*\n", escape(source).strip())
    html = []
    for block in filter(None, blocks):
        lines = block.splitlines()
        if all(re.match(r"\s*[-*] ", line) for line in lines):
            items = "".join(f"<li>{_inline(re.sub(r'^\s*[-*] ', '', li))}</li>" for li in lines)
            html.append(f"<ul>{items}</ul>")
        elif all(re.match(r"\s*\d+[.)] ", line) for line in lines):
            items = "".join(f"<li>{_inline(re.sub(r'^\s*\d+[.)] ', '', li))}</li>" for li in lines)
            html.append(f"<ol>{items}</ol>")
        else:
            html.append(f"<p>{'<br>'.join(_inline(line) for line in lines)}</p>")
    return mark_safe(nh3.clean("".join(html), tags=ALLOWED_TAGS, attributes={}))  # noqa: S308
