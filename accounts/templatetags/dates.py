"""Django's `date` filter, its text kept: loaded into every template in place of Django's
(settings.TEMPLATES, `builtins`), it gives the text Django's gives, formatted once per value,
time zone, format and language in a process. Pages show the same days and times again and
again (a fortnight's mood strip, a timeline's day headings, a record's time after a write),
and formatting one took about 20 µs."""

import functools
from datetime import date as Date
from datetime import datetime as DateTime

from django import template
from django.template import defaultfilters
from django.utils.formats import FORMAT_SETTINGS
from django.utils.translation import get_language

register = template.Library()

# Exact types only: a subclass may format itself otherwise.
_KEPT = frozenset({Date, DateTime})


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """`value|date:"l j F"`, as Django writes it. Only an explicit format is kept: a
    setting's name ("DATE_FORMAT") reads a setting that may change."""
    if type(value) not in _KEPT or not isinstance(arg, str) or arg in FORMAT_SETTINGS:
        return defaultfilters.date(value, arg)
    zone = getattr(value, "tzinfo", None)
    # A moment equals the same moment in another zone: the zone and its name are in the key.
    named = value.tzname() if zone is not None else None
    return _kept(value, zone, named, arg, get_language())


@functools.lru_cache(maxsize=8192)
def _kept(value, zone, named, arg: str, language: str | None) -> str:
    return defaultfilters.date(value, arg)
