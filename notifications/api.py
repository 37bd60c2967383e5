"""The preferences in the API (GET and PATCH /api/v1/notifications/preferences/), and a
person's push devices (/api/v1/push/subscriptions/) with the server's key (/api/v1/push/key/)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import LocalTimeField
from accounts.clock import iana_timezones

from . import channels, devices, push, services
from .models import WEEKDAYS, Preferences, PushSubscription


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


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string", "enum": [key for key, _ in channels.CHOICES]},
        "example": {"reminder": "push", "reply": "both"},
    }
)
class ChannelsField(serializers.Field):
    """How each kind of notice reaches you, by kind: "email", "push" or "both". A client
    chooses for reminder, catch_up, reply and session_reminder; a therapist for
    therapist_reminder and safety_alert (e-mail or both: a safety notice is always e-mailed).
    Kinds not named keep their choice; push without a device of yours goes by e-mail."""

    default_error_messages = {"not_a_dict": 'Give an object such as {{"reminder": "push"}}.'}

    def to_representation(self, value):
        return dict(value or {})

    def to_internal_value(self, data):
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            self.fail("not_a_dict")
        return data


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
    channels = ChannelsField(required=False)

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
        if "channels" in attrs:
            role = self.context["request"].user.role
            try:
                chosen = channels.validate(attrs["channels"], role)
            except ValueError as exc:
                raise serializers.ValidationError({"channels": str(exc)}) from None
            attrs["channels"] = {**(getattr(self.instance, "channels", None) or {}), **chosen}
        return attrs


class PreferencesView(APIView):
    """Your e-mail preferences; the next reminder and summary instants are in UTC."""

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        prefs = services.preferences_for(request.user)
        return Response(PreferencesSerializer(prefs, context={"request": request}).data)

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
    def patch(self, request):
        prefs = services.preferences_for(request.user)
        serializer = PreferencesSerializer(
            prefs, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        zone = data.pop("user", {}).get("timezone")
        prefs = services.preferences_update(user=request.user, timezone_name=zone, **data)
        return Response(PreferencesSerializer(prefs, context={"request": request}).data)


# --- Push devices ----------------------------------------------------------------------


class PushKeySerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="Does this server send push notifications?")
    application_server_key = serializers.CharField(
        help_text="The VAPID public key to subscribe with (`applicationServerKey`), URL-safe "
        "base64; empty when push is off."
    )


class PushKeyView(APIView):
    """The server's public key for Web Push (RFC 8292), for `pushManager.subscribe()`."""

    @extend_schema(responses=PushKeySerializer)
    def get(self, request):
        key = push.application_server_key()
        return Response({"enabled": bool(key), "application_server_key": key})


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=100, help_text="The device's P-256 public key.")
    auth = serializers.CharField(max_length=40, help_text="The device's 16-byte auth secret.")


class PushSubscriptionSerializer(serializers.ModelSerializer):
    """A device, as the browser's `PushSubscription.toJSON()` gives it, with a name of yours."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    endpoint = serializers.URLField(max_length=2000, write_only=True)
    keys = PushKeysSerializer(write_only=True)
    expirationTime = serializers.IntegerField(  # the browser's name for it
        required=False, allow_null=True, write_only=True, help_text="Ignored."
    )
    name = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text='Yours, e.g. "My phone".'
    )

    class Meta:
        model = PushSubscription
        fields = ["id", "name", "endpoint", "keys", "expirationTime", "created_at", "last_sent_at"]
        read_only_fields = ["created_at", "last_sent_at"]


class PushDeviceNameSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    name = serializers.CharField(max_length=60, allow_blank=True)

    class Meta:
        model = PushSubscription
        fields = ["id", "name", "created_at", "last_sent_at"]
        read_only_fields = ["created_at", "last_sent_at"]


class PushSubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your devices with push on. POST the browser's subscription to add this device (201; the
    same device again: 200 with its new keys); PATCH its name; DELETE to stop pushes to it.
    Endpoints must be https. Another person's device is not found (404)."""

    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    pagination_class = None

    def get_queryset(self):
        return devices.visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "partial_update":
            return PushDeviceNameSerializer
        return PushSubscriptionSerializer

    @extend_schema(responses={201: PushSubscriptionSerializer, 200: PushSubscriptionSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        device, created = devices.subscribe(
            user=request.user,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            name=data.get("name", ""),
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(device).data, status=code)

    def perform_update(self, serializer):
        serializer.instance = devices.rename(
            device=serializer.instance, name=serializer.validated_data.get("name", "")
        )

    def perform_destroy(self, instance):
        devices.remove(device=instance)
