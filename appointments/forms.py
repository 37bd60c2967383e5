"""The therapist's forms for sessions: record one or a series, move one. The services decide
(windows, past or still to come, overlaps); these forms check what a form can."""

from django import forms

from .models import LOCATION_MAX, MINUTES_MAX, MINUTES_MIN, SERIES_COUNT_MAX, Mode, Status

ONCE = "once"
REPEAT_CHOICES = [(ONCE, "One session"), ("1", "Every week"), ("2", "Every two weeks")]
STATUS_CHOICES = [
    (Status.SCHEDULED, "Still to come"),
    (Status.HELD, "It has taken place (held)"),
    (Status.MISSED, "It was missed"),
]
DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class _When(forms.Form):
    day = forms.DateField(label="Date", widget=DATE)
    start_time = forms.TimeField(label="Start time", widget=TIME)
    minutes = forms.IntegerField(
        label="Length in minutes",
        min_value=MINUTES_MIN,
        max_value=MINUTES_MAX,
        initial=50,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class SessionForm(_When):
    """One session, or the first of a series; the series' end by a date or a count."""

    repeat = forms.ChoiceField(
        label="How often", choices=REPEAT_CHOICES, initial=ONCE, widget=forms.RadioSelect
    )
    mode = forms.ChoiceField(
        label="How", choices=Mode.choices, initial=Mode.IN_PERSON, widget=forms.RadioSelect
    )
    location = forms.CharField(
        label="Place or link (optional)",
        required=False,
        max_length=LOCATION_MAX,
        help_text="A room or an address; for video, the link to join.",
    )
    status = forms.ChoiceField(
        label="This session is",
        choices=STATUS_CHOICES,
        initial=Status.SCHEDULED,
        widget=forms.RadioSelect,
        help_text="A time that has passed is recorded as held or missed.",
    )
    until = forms.DateField(
        label="Until (the last day)", required=False, widget=DATE, help_text="For a series."
    )
    count = forms.IntegerField(
        label="Or a number of sessions",
        required=False,
        min_value=1,
        max_value=SERIES_COUNT_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text="For a series: give a last day or a number of sessions.",
    )

    field_order = [
        "day",
        "start_time",
        "minutes",
        "mode",
        "location",
        "repeat",
        "until",
        "count",
        "status",
    ]

    @property
    def is_series(self) -> bool:
        return self.cleaned_data.get("repeat", ONCE) != ONCE

    def clean(self):
        cleaned = super().clean()
        if self.is_series:
            until, count = cleaned.get("until"), cleaned.get("count")
            if until and count:
                self.add_error("count", "Give a last day or a number of sessions, not both.")
            elif not until and not count and not self.has_error("count"):
                self.add_error(
                    "until", "Say when the series ends: a last day or a number of sessions."
                )
            if cleaned.get("status", Status.SCHEDULED) != Status.SCHEDULED:
                self.add_error("status", "A series is of sessions still to come.")
        return cleaned


class MoveForm(_When):
    """A new day and time for one session (of a series too: the others stay)."""
