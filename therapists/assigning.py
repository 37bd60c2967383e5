"""Plain-language help for the assignment form: a summary of the schedule before saving."""

from datetime import date, time

from django import forms

from homework.models import WEEKDAY_NAMES
from homework.schedules import Frequency


def _value(form: forms.Form, name: str):
    if name not in form.fields:
        return None
    if form.is_bound:
        try:
            return form.fields[name].clean(form[name].data)
        except forms.ValidationError:
            return None
    return form[name].value()


def _day(value) -> str:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return ""
    return f"{value:%a} {value.day} {value:%b}" if isinstance(value, date) else ""


def schedule_summary(form: forms.Form) -> str:
    """E.g. "Every day from Fri 27 Nov, reminder at 20:00." from what the form holds now."""
    frequency = _value(form, "frequency") or ""
    start = _day(_value(form, "start_date"))
    since = f" from {start}" if start else ""
    match frequency:
        case Frequency.ONCE:
            due = _day(_value(form, "due_date"))
            text = f"Once, any day{since}" + (f", due by {due}" if due else "")
        case Frequency.DAILY:
            text = f"Every day{since}"
        case Frequency.WEEKDAYS:
            days = sorted(int(d) for d in (_value(form, "weekdays") or []))
            names = ", ".join(WEEKDAY_NAMES[d][:3] for d in days if 0 <= d <= 6)
            text = (f"Every {names}" if names else "On chosen weekdays (none chosen yet)") + since
        case Frequency.WEEKLY:
            n = _value(form, "times_per_week")
            times = f"{n} time{'s' if n != 1 else ''}" if n else "A number of times"
            text = f"{times} a week, any days" + (f", from {start}" if start else "")
        case _:
            return "Choose how often."
    end = _day(_value(form, "end_date"))
    if end and frequency != Frequency.ONCE:
        text += f" until {end}"
    reminder = _value(form, "reminder_time")
    if isinstance(reminder, time):
        reminder = reminder.strftime("%H:%M")
    text += f", reminder at {reminder}." if reminder else ", no reminder."
    return text
