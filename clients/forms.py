"""The client portal's forms. They check the shape of what was typed; the services decide
the rest (dates, one log per day, whose person it is) and their errors come back onto the
fields. Ids of people and homework are resolved through `visible_to`, never trusted."""

from django import forms
from django.core.validators import BaseValidator, MaxValueValidator, MinValueValidator
from django.utils import timezone

from accounts.validators import validate_text
from homework.models import Assignment, AssignmentStatus, Kind

from .models import (
    TAG_MAX,
    TAGS_MAX,
    Emotion,
    Feedback,
    JournalEntry,
    LifestyleLog,
    Meals,
    Mode,
    Person,
    RelationshipKind,
    SocialActivity,
    Support,
    SupportDirection,
    tag_key,
)

# What a client may type as their own feelings or triggers, comma-separated.
OWN_EMOTIONS_MAX = 500
OWN_TRIGGERS_MAX = 900


def model_bounds(model, name: str) -> tuple:
    """(lowest, highest) value the model's field accepts, from its range validators."""
    validators = model._meta.get_field(name).validators
    lows = [v.limit_value for v in validators if isinstance(v, MinValueValidator)]
    highs = [v.limit_value for v in validators if isinstance(v, MaxValueValidator)]
    return (max(lows) if lows else None, min(highs) if highs else None)


def model_field(model, name: str, **kwargs) -> forms.Field:
    """The form field of the model's field, within the model's bounds and through its text
    validators: each rule is written once, on the model."""
    field = model._meta.get_field(name)
    low, high = model_bounds(model, name)
    if low is not None:
        kwargs.setdefault("min_value", low)
    if high is not None:
        kwargs.setdefault("max_value", high)
    formfield = field.formfield(**kwargs)
    formfield.validators += [
        v
        for v in field.validators
        if not isinstance(v, BaseValidator) and v not in formfield.validators
    ]
    return formfield


def scale_choices(model, name: str) -> list[tuple[str, str]]:
    """Every whole number the model's field accepts, as radio choices ("0" to "10")."""
    low, high = model_bounds(model, name)
    return [(str(n), str(n)) for n in range(low, high + 1)]


class ScaleSelect(forms.RadioSelect):
    """A row of numbered radio buttons: easy to tap with a thumb, read by screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.attrs.setdefault("class", "scale")


def words(value: str) -> list[str]:
    """ "work, Late nights ,, " -> ["work", "Late nights"]."""
    return [word.strip() for word in (value or "").split(",") if word.strip()]


class WordsField(forms.CharField):
    """A comma-separated list of short words."""

    def clean(self, value):
        value = super().clean(value)
        tags = words(value)
        if len(tags) > TAGS_MAX:
            raise forms.ValidationError(f"At most {TAGS_MAX}, please.")
        for tag in tags:
            if len(tag) > TAG_MAX:
                raise forms.ValidationError(f"Keep each one under {TAG_MAX} characters.")
        return tags


class TagPicksField(forms.MultipleChoiceField):
    """Ticked tags from a list offered when the page was drawn. A tag the list no longer
    holds (the plan changed meanwhile) is still a fine tag, not an error."""

    def valid_value(self, value) -> bool:
        return isinstance(value, str) and 0 < len(value.strip()) <= TAG_MAX


class SharedField(forms.BooleanField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Share with my therapist")
        super().__init__(*args, **kwargs)


def share_label(therapists: str) -> str:
    return f"Share with {therapists}" if therapists else "Share with my therapist"


class RecordForm(forms.Form):
    shared = SharedField()

    def __init__(self, *args, client, therapists: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.fields["shared"].label = share_label(therapists)
        self.fields["shared"].help_text = (
            "Only what you share is seen. You can change this at any time."
            if therapists
            else "You are not linked with a therapist, so nobody else sees this."
        )


def help_now_text(therapists: str) -> str:
    """What ticking "I need help now" does, said plainly before the client saves. Plain
    text (it holds names): shown escaped by clients/partials/help_now_field.html."""
    told = (
        f"We will tell {therapists} that you asked for help. They are not shown what you "
        "wrote unless you share this entry."
        if therapists
        else "You are not linked with a therapist, so nobody is told."
    )
    return (
        f"{told} Tandem is not watched around the clock, so after saving you will see who "
        "you can contact right now."
    )


class JournalForm(RecordForm):
    occurred_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave as it is for now, or pick an earlier time.",
    )
    mood = forms.TypedChoiceField(
        label="Mood, from 0 (very low) to 10 (very good)",
        choices=scale_choices(JournalEntry, "mood"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=ScaleSelect,
    )
    text = model_field(
        JournalEntry,
        "text",
        label="What happened, what you thought",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Plain words are fine. **Bold**, *italics* and lists work too.",
    )
    emotions = forms.MultipleChoiceField(
        label="Feelings",
        choices=Emotion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    emotions_own = WordsField(
        label="Other feelings, in your own words",
        required=False,
        max_length=OWN_EMOTIONS_MAX,
        validators=[validate_text],
        help_text="Separate them with commas.",
    )
    trigger_picks = TagPicksField(
        label="What set it off (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    triggers = WordsField(
        label="What set it off (optional)",
        required=False,
        max_length=OWN_TRIGGERS_MAX,
        validators=[validate_text],
        help_text="Separate them with commas.",
    )
    needed = model_field(
        JournalEntry,
        "needed",
        label="What I needed (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    assignment = forms.ModelChoiceField(
        label="This is for my homework (optional)",
        queryset=Assignment.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label="No, just for me",
    )
    shared = SharedField()
    needs_help = forms.BooleanField(label="I need help now", required=False)

    field_order = [
        "occurred_at",
        "mood",
        "text",
        "emotions",
        "emotions_own",
        "trigger_picks",
        "triggers",
        "needed",
        "assignment",
        "shared",
        "needs_help",
    ]

    def __init__(
        self, *args, editing: bool = False, triggers_offered: list[str] | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        # The plan's triggers and the client's earlier ones, ticked rather than retyped,
        # so one trigger keeps one spelling; anything else goes in the free box.
        self.spelling = {}
        for tag in triggers_offered or []:
            self.spelling.setdefault(tag_key(tag), tag)
        if self.spelling:
            self.fields["trigger_picks"].choices = [(t, t) for t in self.spelling.values()]
            self.fields["triggers"].label = "Something else (optional)"
            self._split_initial_triggers()
        else:
            del self.fields["trigger_picks"]
        self.fields["needs_help"].help_text = help_now_text(kwargs.get("therapists", ""))
        if editing:
            del self.fields["assignment"]
        else:
            self.fields["assignment"].queryset = Assignment.objects.visible_to(self.client).filter(
                kind=Kind.JOURNAL, status=AssignmentStatus.ACTIVE
            )
        self.fields["emotions_own"].widget.attrs["list"] = "emotion-suggestions"

    def _split_initial_triggers(self) -> None:
        """An entry being edited: its triggers on the list are ticked, the rest typed."""
        if self.is_bound or "triggers" not in self.initial:
            return
        typed = self.initial["triggers"]
        tags = words(typed) if isinstance(typed, str) else list(typed or [])
        ticked = [self.spelling[tag_key(t)] for t in tags if tag_key(t) in self.spelling]
        self.initial["trigger_picks"] = ticked
        self.initial["triggers"] = ", ".join(t for t in tags if tag_key(t) not in self.spelling)

    def clean(self):
        cleaned = super().clean()
        if len(self.chosen_triggers()) > TAGS_MAX:
            picks = len(self.cleaned_data.get("trigger_picks", [])) > TAGS_MAX
            self.add_error(
                "trigger_picks" if picks else "triggers", f"At most {TAGS_MAX} triggers, please."
            )
        return cleaned

    def chosen_triggers(self) -> list[str]:
        """Ticked and typed triggers, once each, in the plan's (or earlier) spelling when
        they match it whatever the case or spacing."""
        chosen: dict[str, str] = {}
        for tag in [
            *self.cleaned_data.get("trigger_picks", []),
            *self.cleaned_data.get("triggers", []),
        ]:
            key = tag_key(tag)
            if key:
                chosen.setdefault(key, self.spelling.get(key, " ".join(tag.split())))
        return list(chosen.values())

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["triggers"] = self.chosen_triggers()
        data.pop("trigger_picks", None)
        data["emotions"] = [*data.get("emotions", []), *data.pop("emotions_own", [])]
        data.pop("assignment", None)
        if data.get("occurred_at") is None:
            data.pop("occurred_at", None)
        return data

    @staticmethod
    def initial_for(entry) -> dict:
        standard = set(Emotion.values)
        return {
            "occurred_at": timezone.localtime(entry.occurred_at, entry.client.zone),
            "mood": entry.mood,
            "text": entry.text,
            "emotions": [e for e in entry.emotions if e in standard],
            "emotions_own": ", ".join(e for e in entry.emotions if e not in standard),
            "triggers": ", ".join(entry.triggers),
            "needed": entry.needed,
            "shared": entry.shared,
            "needs_help": entry.needs_help,
        }


class LifestyleForm(RecordForm):
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    sleep_hours = model_field(
        LifestyleLog,
        "sleep_hours",
        label="Hours of sleep",
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    sleep_quality = forms.TypedChoiceField(
        label="How well you slept, 1 (badly) to 5 (very well)",
        choices=scale_choices(LifestyleLog, "sleep_quality"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=ScaleSelect,
    )
    exercise_minutes = model_field(
        LifestyleLog,
        "exercise_minutes",
        label="Minutes of exercise",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    exercise_kind = model_field(LifestyleLog, "exercise_kind", label="What kind of exercise")
    meals = forms.ChoiceField(
        label="Regular meals",
        choices=Meals.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "chips"}),
    )
    outdoor_minutes = model_field(LifestyleLog, "outdoor_minutes", label="Minutes outdoors")
    alcohol_units = model_field(
        LifestyleLog,
        "alcohol_units",
        label="Units of alcohol",
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    note = model_field(
        LifestyleLog,
        "note",
        label="Note (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    shared = SharedField()

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["day"]

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


class SocialForm(RecordForm):
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    person = forms.ModelChoiceField(
        label="With whom",
        queryset=Person.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label="Someone not on my list",
    )
    mode = forms.ChoiceField(
        label="How",
        choices=Mode.choices,
        initial=Mode.IN_PERSON,
        widget=forms.RadioSelect(attrs={"class": "chips"}),
    )
    minutes = model_field(
        SocialActivity,
        "minutes",
        label="Minutes",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    feeling = forms.TypedChoiceField(
        label="How it felt, 0 (very hard) to 10 (very good)",
        choices=scale_choices(SocialActivity, "feeling"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=ScaleSelect,
    )
    support = forms.ChoiceField(
        label="Support",
        choices=Support.choices,
        initial=Support.NEITHER,
        required=False,
        widget=forms.RadioSelect,
    )
    note = model_field(
        SocialActivity,
        "note",
        label="Note (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    shared = SharedField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.visible_to(self.client)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["support"] = data.get("support") or Support.NEITHER
        return data


class PersonForm(forms.Form):
    name = model_field(Person, "name", label="First name or nickname")
    kind = forms.ChoiceField(label="Who they are to you", choices=RelationshipKind.choices)
    support = forms.ChoiceField(
        label="Support",
        choices=SupportDirection.choices,
        initial=SupportDirection.MUTUAL,
        widget=forms.RadioSelect,
    )


class FeedbackForm(forms.Form):
    text = model_field(
        Feedback, "text", label="Your message", widget=forms.Textarea(attrs={"rows": 3})
    )


class SharingForm(forms.Form):
    share_by_default = forms.BooleanField(required=False)


class ErasureForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(label="I understand this cannot be undone")
