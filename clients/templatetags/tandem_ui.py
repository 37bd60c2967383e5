"""Small template helpers for the design system: the current place in the navigation."""

import re
from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

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
def ago(moment) -> str:
    """ "3 days ago", or "just now" within the minute."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment).split(',')[0]} ago"


def _number(value) -> str:
    return f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)


@register.simple_tag
def record_title(record) -> str:
    """A record in one short line: "Mood 6/10 · calm", "Sleep 7 h · exercise 30 min",
    "Call with Sam · 20 min". Plain text (escaped where it is shown)."""
    from clients.models import JournalEntry, LifestyleLog

    if isinstance(record, JournalEntry):
        parts = [f"Mood {record.mood}/10" if record.mood is not None else "Journal entry"]
        if record.emotions:
            parts.append(", ".join(record.emotions))
    elif isinstance(record, LifestyleLog):
        parts = []
        if record.sleep_hours is not None:
            parts.append(f"Sleep {_number(record.sleep_hours)} h")
        if record.exercise_minutes is not None:
            kind = f" ({record.exercise_kind})" if record.exercise_kind else ""
            parts.append(f"Exercise {record.exercise_minutes} min{kind}")
        if record.meals:
            parts.append(f"Meals: {record.get_meals_display().lower()}")
        if record.outdoor_minutes is not None:
            parts.append(f"Outdoors {record.outdoor_minutes} min")
        parts = parts or ["Your day"]
    else:
        who = f" with {record.person.name}" if record.person_id and record.person else ""
        parts = [f"{record.get_mode_display()}{who}"]
        if record.minutes is not None:
            parts.append(f"{record.minutes} min")
        if record.feeling:
            parts.append(f"felt {record.feeling}/5")
    return " · ".join(parts)


BLOCK_END = re.compile(r"(</(?:li|p|h[1-6]|blockquote|pre|ul|ol)>|<br\s*/?>)", re.IGNORECASE)


@register.filter
def plain(source: str) -> str:
    """Text written in the safe Markdown subset, as plain words for a one-line excerpt
    ("**better**" reads "better"); lines and list items stay apart, joined by " · ", so
    "- woke up anxious" and "- breathing exercise" never run together. Returned unsafe:
    the template escapes it once."""
    import html

    from django.utils.html import strip_tags

    from homework.markdown import render

    text = html.unescape(strip_tags(BLOCK_END.sub("\\1\n", str(render(source or "")))))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return " · ".join(line for line in lines if line)
