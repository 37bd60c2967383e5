from django import forms

from .instruments import Instrument as Definition
from .models import DAYS_BEFORE_MAX, EVERY_WEEKS_MAX, Instrument

ONCE = 0
BEFORE_SESSIONS = -1
EVERY_CHOICES = [
    (ONCE, "Once"),
    (BEFORE_SESSIONS, "Before each session"),
    (1, "Every week"),
    *((n, f"Every {n} weeks") for n in range(2, EVERY_WEEKS_MAX + 1)),
]


class AnswersForm(forms.Form):
    """One radio group per question, named q1, q2, …; a missing one names its question."""

    def __init__(self, *args, definition: Definition, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        for number, item in enumerate(definition.items, 1):
            self.fields[f"q{number}"] = forms.TypedChoiceField(
                label=f"{number}. {item}",
                choices=[(str(value), label) for value, label in definition.options],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Please answer question {number}: “{item}”.",
                    "invalid_choice": f"Please choose one of the answers to question {number}.",
                },
            )

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"q{n}"] for n in range(1, len(self.definition.items) + 1)]


class AssignForm(forms.Form):
    instrument = forms.ChoiceField(label="Questionnaire", choices=Instrument.choices)
    every_weeks = forms.TypedChoiceField(
        label="How often", choices=EVERY_CHOICES, coerce=int, initial=ONCE
    )
    days_before = forms.IntegerField(
        label="Days before each session",
        min_value=0,
        max_value=DAYS_BEFORE_MAX,
        initial=2,
        required=False,
        help_text="Before each session only: when it becomes due (0 is the day itself).",
    )
    start_date = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for today.",
    )

    def service_fields(self) -> dict:
        data = self.cleaned_data
        before = data["every_weeks"] == BEFORE_SESSIONS
        days_before = data.get("days_before")
        return {
            "instrument": data["instrument"],
            "every_weeks": None if before else (data["every_weeks"] or None),
            "start_date": data.get("start_date"),
            "before_sessions": before,
            "days_before": 2 if days_before is None else days_before,
        }
