"""The preferences in the API: GET and PATCH /api/v1/notifications/preferences/."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import iana_timezones

from . import services
from .models import Preferences


class PreferencesSerializer(serializers.ModelSerializer):
    timezone = serializers.CharField(source="user.timezone", required=False, max_length=64)

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
