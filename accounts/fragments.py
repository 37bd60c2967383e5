"""Pieces of HTML kept by what they are drawn from.

A fragment is a template drawn with a context of plain values only (text, numbers, dates,
ids: never a model, a form or a request), so the context is all the fragment can show. Its
key is a digest of the template's name, that context, the language, the URL prefix and the
project's code (`versions.release()`): the same values draw the same HTML, a changed value
is another key, and a kept fragment is never stale. A page with a hundred rows of which
none changed reads them in one round trip instead of drawing them again."""

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from . import versions

PLAIN = (str, int, float, bool, type(None), date, datetime, time, timedelta, Decimal, UUID)


_EXACT = frozenset(PLAIN)


def _plain(value) -> bool:
    if type(value) in _EXACT:  # most values: no walk through the classes
        return True
    if isinstance(value, tuple):
        return all(_plain(item) for item in value)
    return isinstance(value, PLAIN)


def fragment_key(template: str, context: Mapping[str, object], *, setting: str = "") -> str:
    """The key of `template` drawn with `context`; TypeError for a value that is not plain
    (what a model or an object would show could change without the key changing).
    `setting` is `drawn_in()`, worked out once for many keys (here when not given)."""
    for name, value in context.items():
        if not _plain(value):
            raise TypeError(f"{template}: {name} is a {type(value).__name__}, not a plain value")
    described = repr((template, sorted(context.items()))) + (setting or drawn_in())
    return "fragment:" + hashlib.blake2b(described.encode(), digest_size=16).hexdigest()


def drawn_in() -> str:
    """What every fragment is drawn in besides its context: the active language, the
    script prefix its links start with and the code's release."""
    return repr((translation.get_language(), get_script_prefix(), versions.release()))


def drawn(template: str, contexts: Iterable[Mapping[str, object]]) -> list[SafeString]:
    """`template` drawn with each context, in order: one read of the page cache for all of
    them; those not kept are drawn and kept. A cache that does not answer costs the drawing."""
    return kept(template, ((context, lambda context=context: context) for context in contexts))


def kept(
    template: str, items: Iterable[tuple[Mapping[str, object], Callable[[], Mapping]]]
) -> list[SafeString]:
    """`drawn`, for a fragment drawn from more than plain values (a chart): each item is
    (everything it is drawn from, as plain values: its key; a function that gives the
    context to draw it with, called only when it is not kept)."""
    items = list(items)
    setting = drawn_in()
    keys = [fragment_key(template, source, setting=setting) for source, _ in items]
    found = versions.read_many(set(keys))
    new: dict[str, str] = {}
    out = []
    for key, (_, context) in zip(keys, items, strict=True):
        html = found.get(key)
        if html is None:
            html = new.get(key) or plain_text(render_to_string(template, dict(context())))
            new[key] = html
        # Drawn by the template engine, which escaped what it was given.
        out.append(mark_safe(html))  # noqa: S308
    if new:
        versions.write_many(new)
    return out


def plain_text(html: str) -> str:
    """`html` as a plain `str`, to keep: a `SafeString` is read back from the cache through
    Python (`copyreg`), 5 µs each; what reads it back marks it safe again."""
    return str.__str__(html)


def kept_value(name: str, source: str, make: Callable[[], object]) -> object:
    """What `make()` returns, kept under `source` (the `repr` of everything it is made
    from) and the project's code: the same source gives the same value without making it
    again. For plain values only (an API answer's data), never a model or a request."""
    key = versions.cache_key(name, [], source, versions.release())
    value = versions.read_many([key]).get(key)
    if value is None:
        value = make()
        versions.write_many({key: value})
    return value
