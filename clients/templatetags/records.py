"""A client record as the portals show it in one line: its title and a plain excerpt."""

import html
import re

from django import template
from django.utils.html import strip_tags

from clients.models import JournalEntry, LifestyleLog
from homework.markdown import render

register = template.Library()


def _number(value) -> str:
    return f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)


@register.simple_tag
def record_title(record) -> str:
    """A record in one short line: "Mood 6/10 · calm", "Sleep 7 h · exercise 30 min",
    "Call with Sam · 20 min". Plain text (escaped where it is shown)."""
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
        if record.feeling is not None:
            parts.append(f"felt {record.feeling}/10")
    return " · ".join(parts)


BLOCK_END = re.compile(r"(</(?:li|p|h[1-6]|blockquote|pre|ul|ol)>|<br\s*/?>)", re.IGNORECASE)


@register.filter
def plain(source: str) -> str:
    """Text written in the safe Markdown subset, as plain words for a one-line excerpt
    ("**better**" reads "better"); lines and list items stay apart, joined by " · ", so
    "- woke up anxious" and "- breathing exercise" never run together. Returned unsafe:
    the template escapes it once."""
    text = html.unescape(strip_tags(BLOCK_END.sub("\\1\n", str(render(source or "")))))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return " · ".join(line for line in lines if line)
