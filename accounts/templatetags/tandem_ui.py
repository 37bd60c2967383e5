"""Small template helpers for the design system, shared by every app's templates: the
current place in the navigation, sentence case, "3 days ago", a bar's width."""

import functools
from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import avoid_wrapping, format_html
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def current(context, target: str, *section: str):
    """`aria-current="page"` on the link to this page, `"true"` on its section's link."""
    match = getattr(context.get("request"), "resolver_match", None)
    name = match.url_name if match else None
    if name == target:
        return format_html(' aria-current="{}"', "page")
    if name and any(name == s or (s.endswith("*") and name.startswith(s[:-1])) for s in section):
        return format_html(' aria-current="{}"', "true")
    return ""


@register.simple_tag(takes_context=True)
def in_section(context, *section: str) -> bool:
    match = getattr(context.get("request"), "resolver_match", None)
    name = match.url_name if match else None
    return bool(name) and any(
        name == s or (s.endswith("*") and name.startswith(s[:-1])) for s in section
    )


@register.filter
def tenth(percent) -> int:
    """A percentage rounded to tens, for the progress bar's width class (no inline style)."""
    if percent is None:
        return 0
    return max(0, min(100, round(float(percent) / 10) * 10))


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")


@register.filter(is_safe=True)
def sentence(text):
    """Title Case from allauth ("Sign In", "Two-Factor Authentication") in sentence case."""
    words = str(text).strip().split(" ")
    out = []
    for i, word in enumerate(words):
        if i and word[:1].isupper() and not word.isupper() and word not in KEEP_CAPITALS:
            word = "-".join(part[:1].lower() + part[1:] for part in word.split("-"))
        elif not i:
            word = "-".join([word.split("-")[0], *(p.lower() for p in word.split("-")[1:])])
        out.append(word)
    return " ".join(out)


KEEP_CAPITALS = {"Tandem", "I"}


@register.filter
def week_labels(mondays) -> list[str]:
    """ "Week of 3 Nov" for each Monday of a table's weeks, "This week" for the last: worked
    out once for the table rather than for each of its cells."""
    mondays = list(mondays)
    return [f"Week of {date_format(monday, 'j M')}" for monday in mondays[:-1]] + ["This week"][
        : len(mondays)
    ]


@register.filter
def paired(items, others) -> list[tuple]:
    """Each of `items` with the one of `others` in its place: {% for a, b in x|paired:y %}."""
    return list(zip(items, others, strict=True))


@register.filter
def ago(moment) -> str:
    """ "3 days ago" (the largest unit alone), or "just now" within the minute."""
    return ago_at(moment, timezone.now(), get_language())


def ago_at(moment, now, language: str | None) -> str:
    """`ago` as seen at `now`, in the active language (`language`, its code): a list of many
    moments looks both up once."""
    if moment is None:
        return ""
    since = now - moment
    if since < timedelta(minutes=1):
        return "just now"
    if since < _NO_MONTH_YET:
        # Under four weeks no calendar month has passed: the largest unit is the first
        # whose count is not 0, as `timesince` works it out, in words made once.
        seconds = since.total_seconds()
        for unit, length in _UNITS:
            if seconds >= length:
                return _in_words(language, unit, int(seconds // length))
    return f"{timesince(moment, now, depth=1)} ago"


# Under 28 days no month has passed since any day of any month.
_NO_MONTH_YET = timedelta(days=28)
_UNITS = (("week", 7 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60))


@functools.lru_cache(maxsize=1024)
def _in_words(language: str | None, unit: str, count: int) -> str:
    """ "3 days ago" in the active `language`, as `timesince` words it."""
    return f"{avoid_wrapping(TIME_STRINGS[unit] % {'num': count})} ago"
