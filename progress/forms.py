from django import forms

from .series import RANGE_LABELS

RANGE_ERROR = "Choose 4 weeks, 12 weeks or 1 year."


class RangeForm(forms.Form):
    """The chart range from the query string: one of the offered ranges, 4 weeks if none."""

    range = forms.ChoiceField(
        choices=list(RANGE_LABELS.items()),
        required=False,
        error_messages={"invalid_choice": RANGE_ERROR},
    )
