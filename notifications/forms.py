from django import forms

from accounts.forms import TIMEZONE_CHOICES, timezone_choices

from . import channels
from .models import WEEKDAYS, Preferences

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PreferencesForm(forms.ModelForm):
    timezone = forms.ChoiceField(label="Your time zone", choices=TIMEZONE_CHOICES)
    reminder_weekdays = forms.TypedMultipleChoiceField(
        label="Reminder days",
        choices=list(enumerate(WEEKDAYS)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one day."},
    )

    def __init__(self, *args, therapist: bool = False, push_enabled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices(self.initial.get("timezone"))
        if therapist:
            self.fields["reminders_enabled"].label = "Tell me when something waits for me"
            self.fields["reminder_time"].help_text = "In your time zone, on the days below."
            del self.fields["replies_enabled"]  # replies are news to clients only
            del self.fields["session_reminders_enabled"]  # a client's reminder
        else:
            del self.fields["reminder_weekdays"]  # a client's reminder goes every day
        for kind, label in self.channel_kinds(therapist) if push_enabled else []:
            self.fields[f"channel_{kind}"] = forms.ChoiceField(
                label=label,
                choices=channels.choices_for(kind),
                initial=channels.chosen(self.instance, kind),
                widget=forms.RadioSelect(attrs={"class": "inline-choices"}),
            )

    @staticmethod
    def channel_kinds(therapist: bool):
        return channels.CHOOSABLE["therapist" if therapist else "client"]

    def channel_fields(self):
        return [self[name] for name in self.fields if name.startswith("channel_")]

    def other_fields(self):
        return [self[name] for name in self.fields if not name.startswith("channel_")]

    def chosen_channels(self) -> dict[str, str]:
        return {
            name.removeprefix("channel_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("channel_")
        }

    class Meta:
        model = Preferences
        fields = [
            "reminders_enabled",
            "reminder_time",
            "reminder_weekdays",
            "quiet_start",
            "quiet_end",
            "digest_enabled",
            "digest_weekday",
            "digest_time",
            "replies_enabled",
            "session_reminders_enabled",
        ]
        labels = {
            "reminders_enabled": "Remind me when homework is waiting",
            "reminder_time": "Reminder time",
            "quiet_start": "Quiet hours start",
            "quiet_end": "Quiet hours end",
            "digest_enabled": "Send me a weekly summary",
            "digest_weekday": "Summary day",
            "digest_time": "Summary time",
            "replies_enabled": "Tell me when my therapist replies",
            "session_reminders_enabled": "Session reminders: tell me the day before a session",
        }
        help_texts = {
            "reminder_time": "In your time zone. A time your therapist set on a piece of "
            "homework comes first.",
            "quiet_end": "No reminder arrives in quiet hours: a reminder due then waits and "
            "arrives when they end. Quiet hours may run past midnight (22:00 to 07:00).",
            "replies_enabled": "At most one a day. It says only that a reply is "
            "waiting, never who wrote it or what it says; in quiet hours it waits until they end.",
            "session_reminders_enabled": "At your reminder time the day before, out of quiet "
            "hours. It says only the day and the time, never with whom or where.",
        }
        widgets = {
            "reminder_time": TIME,
            "quiet_start": TIME,
            "quiet_end": TIME,
            "digest_time": TIME,
        }


class DeviceNameForm(forms.Form):
    name = forms.CharField(label="Name", max_length=60)
