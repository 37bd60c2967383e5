"""The preferences in the API: GET and PATCH /api/v1/notifications/preferences/."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import LocalTimeField
from accounts.clock import iana_timezones

from . import services
from .models import WEEKDAYS, Preferences


@extend_schema_field(
    {"type": "array", "items": {"type": "string", "enum": list(WEEKDAYS)}, "minItems": 1}
)
class WeekdaysField(serializers.Field):
    """Weekday names ("Monday"), at least one; stored as numbers (0 = Monday)."""

    default_error_messages = {
        "not_a_list": 'Give a list of weekday names, such as ["Monday", "Friday"].',
        "empty": "Choose at least one day.",
        "unknown": "Unknown weekday: {names}. Use {choices}.",
    }

    def to_representation(self, value):
        return [WEEKDAYS[day] for day in sorted(value) if 0 <= day <= 6]

    def to_internal_value(self, data):
        if not isinstance(data, list) or not all(isinstance(name, str) for name in data):
            self.fail("not_a_list")
        if not data:
            self.fail("empty")
        known = {name.lower(): number for number, name in enumerate(WEEKDAYS)}
        unknown = [name for name in data if name.strip().lower() not in known]
        if unknown:
            self.fail("unknown", names=", ".join(unknown[:7])[:200], choices=", ".join(WEEKDAYS))
        return sorted({known[name.strip().lower()] for name in data})


@extend_schema_field({"type": "string", "enum": list(WEEKDAYS)})
class WeekdayField(serializers.Field):
    """One weekday by name ("Sunday"), as `reminder_weekdays` names them; the number it is
    stored as (0 = Monday … 6 = Sunday) is still accepted on input."""

    default_error_messages = {
        "unknown": "Unknown weekday: {value}. Use {choices}.",
    }

    def to_representation(self, value):
        return WEEKDAYS[value]

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and 0 <= data <= 6:
            return data
        if isinstance(data, str):
            known = {name.lower(): number for number, name in enumerate(WEEKDAYS)}
            if data.strip().lower() in known:
                return known[data.strip().lower()]
            if data.strip() in {str(number) for number in range(7)}:
                return int(data)
        self.fail("unknown", value=str(data)[:20], choices=", ".join(WEEKDAYS))


class PreferencesSerializer(serializers.ModelSerializer):
    timezone = serializers.CharField(source="user.timezone", required=False, max_length=64)
    reminder_time = LocalTimeField(required=False)
    reminder_weekdays = WeekdaysField(required=False)
    quiet_start = LocalTimeField(required=False, allow_null=True)
    quiet_end = LocalTimeField(required=False, allow_null=True)
    digest_weekday = WeekdayField(
        required=False,
        help_text="The day of the weekly summary, by name as in `reminder_weekdays` (a number,"
        " 0 = Monday … 6 = Sunday, is still accepted).",
    )
    digest_time = LocalTimeField(required=False)

    class Meta:
        model = Preferences
        fields = [
            *services.PREFERENCE_FIELDS,
            "timezone",
            "next_reminder_at",
            "next_digest_at",
        ]
        read_only_fields = ["next_reminder_at", "next_digest_at"]

    def validate_timezone(self, value: str) -> str:
        if value not in iana_timezones():
            raise serializers.ValidationError(f"“{value}” is not an IANA time zone.")
        return value

    def validate(self, attrs):
        # Quiet hours come in pairs: check them against what is saved, as the model does.
        start = attrs.get("quiet_start", getattr(self.instance, "quiet_start", None))
        end = attrs.get("quiet_end", getattr(self.instance, "quiet_end", None))
        if (start is None) != (end is None):
            raise serializers.ValidationError(
                {"quiet_end": "Give both the start and the end of quiet hours."}
            )
        return attrs


class PreferencesView(APIView):
    """Your e-mail preferences; the next reminder and summary instants are in UTC."""

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        return Response(PreferencesSerializer(services.preferences_for(request.user)).data)

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
    def patch(self, request):
        prefs = services.preferences_for(request.user)
        serializer = PreferencesSerializer(prefs, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        zone = data.pop("user", {}).get("timezone")
        prefs = services.preferences_update(user=request.user, timezone_name=zone, **data)
        return Response(PreferencesSerializer(prefs).data)
