from decimal import Decimal

from django import forms

from .models import COMPLETION_NOTE_MAX, WEEKDAY_NAMES, Assignment, HomeworkTemplate
from .services import ASSIGNMENT_FIELDS, SCHEDULE_FIELDS

WEEKDAY_CHOICES = [(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)]


class ScheduleFormMixin(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="On these days",
        help_text="For “On chosen weekdays”.",
    )
    times_per_week = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=7,
        label="Times a week",
        help_text="For “A number of times a week”: 1 to 7.",
    )


class TargetField(forms.DecimalField):
    """A target as people write it: "30", not "30.0"."""

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        return value


TEMPLATE_FIELDS = list(SCHEDULE_FIELDS)
WIDGETS = {
    "frequency": forms.RadioSelect,
    "start_date": forms.DateInput(attrs={"type": "date"}),
    "end_date": forms.DateInput(attrs={"type": "date"}),
    "due_date": forms.DateInput(attrs={"type": "date"}),
    "reminder_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    "instructions": forms.Textarea(attrs={"rows": 5}),
    "target_value": forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal"}),
}
LABELS = {
    "target_value": "Target (optional)",
    "target_unit": "Unit",
    "due_date": "Due date (for “Once”)",
    "end_date": "End date (optional)",
    "reminder_time": "Reminder time (optional, in the client's local time)",
}


class _ModelFieldsForm(ScheduleFormMixin, forms.Form):
    """The model's fields, validated by the form and then by the service (not by a ModelForm,
    whose constraint messages would name constraints rather than fields)."""

    model = None
    field_names: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        generated = forms.fields_for_model(
            self.model,
            fields=self.field_names,
            widgets=WIDGETS,
            labels=LABELS,
            field_classes={"target_value": TargetField},
        )
        mixin = {name: self.fields[name] for name in ("weekdays", "times_per_week")}
        self.fields = {name: mixin.get(name) or generated[name] for name in self.field_names}


class AssignmentForm(_ModelFieldsForm):
    model = Assignment
    field_names = list(ASSIGNMENT_FIELDS)


class TemplateForm(_ModelFieldsForm):
    model = HomeworkTemplate
    field_names = TEMPLATE_FIELDS


class CompletionForm(forms.Form):
    due_date = forms.DateField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        required=False,
        max_length=COMPLETION_NOTE_MAX,
        label="Note (optional)",
        widget=forms.TextInput,
    )
