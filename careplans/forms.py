from django import forms

from clients.models import Person

from .models import DETAIL_MAX, ITEM_TEXT_MAX, SECTION_FIELDS

LABELS = {
    "needs": ("What I need", {}),
    "emotions": ("The emotion", {"signs": "Early signs", "helps": "What helps"}),
    "triggers": (
        "The trigger, in a few words",
        {"signs": "Warning signs", "steps": "Coping steps, one a line, in order"},
    ),
    "empowers": ("A strength or something that restores me", {}),
    "circle": ("A note (optional)", {"person": "Who"}),
    "goals": (
        "The goal",
        {"measure": "How I'll know it's going well, in my words", "review_date": "Look again on"},
    ),
}


class PlanItemForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(required=False, max_length=ITEM_TEXT_MAX)
    signs = forms.CharField(
        required=False, max_length=DETAIL_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    helps = forms.CharField(
        required=False, max_length=DETAIL_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    steps = forms.CharField(
        required=False, max_length=3_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    measure = forms.CharField(
        required=False, max_length=DETAIL_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    review_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    person = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, to_field_name="public_id"
    )

    def __init__(self, *args, section: str, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = SECTION_FIELDS[section]
        for name in list(self.fields):
            if name != "base_version" and name not in allowed:
                del self.fields[name]
        label, labels = LABELS[section]
        self.fields["text"].label = label
        for name, text in labels.items():
            if name in self.fields:
                self.fields[name].label = text
        if "person" in self.fields:
            if people is None:
                # The list of people is the client's alone: a therapist keeps the one chosen.
                del self.fields["person"]
            else:
                self.fields["person"].queryset = people
                self.fields["person"].empty_label = "Choose someone"
        if section == "triggers":
            self.fields[
                "text"
            ].help_text = "At most 40 characters: it is also a tag for your journal."

    def service_fields(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if name != "base_version"}
        if "steps" in data:
            data["steps"] = data["steps"].splitlines()
        return data


class TriggerLogForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=1_000,
        label="A few words about it (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Saved in your journal, tagged with this trigger.",
    )
    shared = forms.BooleanField(required=False, label="Share this entry with my therapist")

    def __init__(self, *args, readers: list[str], plan_with: str, trigger: str, **kwargs):
        """`readers`: every therapist in active care, who all see a shared entry;
        `plan_with`: the therapist whose plan names the trigger."""
        super().__init__(*args, **kwargs)
        shared = self.fields["shared"]
        if readers:
            shared.label = f"Share this entry with {' and '.join(readers)}"
        if len(readers) > 1:
            tagged = f" It is tagged “{trigger}”, from your plan with {plan_with}."
            tagged = tagged if trigger else ""
            shared.help_text = (
                f"A shared entry is seen by every therapist you work with: "
                f"{' and '.join(readers)}.{tagged}"
            )
