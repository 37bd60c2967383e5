"""The sessions API: a person's sessions and series; the therapist records, moves, cancels
and marks them.

Thin on purpose: serializers check the shape of the input, `services` decide and write, and
`visible_to` decides who sees what (strangers get 404). A session is shown in the therapist's
wall-clock time (`day`, `start_time`, `zone`) and in the viewer's own zone (`local_start`).
"""

from datetime import date, datetime

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.api import LocalTimeField, PersonSerializer, query_params
from accounts.clock import local_days_bounds
from accounts.policy import Access, get_active_relationship_for_client, get_client_for_user

from . import services
from .models import (
    LOCATION_MAX,
    MINUTES_MAX,
    MINUTES_MIN,
    SERIES_COUNT_MAX,
    Appointment,
    Mode,
    Series,
    Status,
)

# Days a list may be asked for: far from the calendar's ends (the day after year 9999's
# last does not exist).
QUERY_DAYS = (date(2000, 1, 1), date(2100, 12, 31))


# --- Serializers ---------------------------------------------------------------------


class WhenHowSerializer(serializers.ModelSerializer):
    """What a session and a series share: the therapist's wall-clock time, length, mode."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    client = PersonSerializer(read_only=True)
    therapist = PersonSerializer(read_only=True)
    start_time = LocalTimeField(read_only=True, help_text="The therapist's local time, HH:MM.")
    zone = serializers.CharField(read_only=True, help_text="The therapist's time zone.")

    SHARED = ["id", "client", "therapist", "start_time", "zone", "minutes", "mode", "location"]


class SessionSerializer(WhenHowSerializer):
    series = serializers.UUIDField(
        source="series.public_id",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The series it belongs to; null for a single session.",
    )
    starts_at = serializers.DateTimeField(read_only=True, help_text="The start, in UTC.")
    ends_at = serializers.DateTimeField(read_only=True)
    local_start = serializers.SerializerMethodField(
        help_text="The start in the viewer's own time zone (`local_zone`), with its offset."
    )
    local_zone = serializers.SerializerMethodField(help_text="The viewer's own time zone.")

    class Meta:
        model = Appointment
        fields = [
            *WhenHowSerializer.SHARED,
            "series",
            "day",
            "starts_at",
            "ends_at",
            "local_start",
            "local_zone",
            "status",
            "status_changed_at",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"day": {"help_text": "The therapist's local date."}}

    def _viewer(self):
        return self.context["request"].user

    def get_local_start(self, obj) -> datetime:
        return obj.starts_at.astimezone(self._viewer().zone)

    def get_local_zone(self, obj) -> str:
        return str(self._viewer().zone)


class SessionSavedSerializer(SessionSerializer):
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="What to know, not errors: another session of yours at the same time.",
    )

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class WhenHowInputSerializer(serializers.Serializer):
    start_time = LocalTimeField(
        help_text="HH:MM in your own time zone. A time the clocks skip that day moves to the "
        "end of the gap (`starts_at` says when)."
    )
    minutes = serializers.IntegerField(min_value=MINUTES_MIN, max_value=MINUTES_MAX, default=50)
    mode = serializers.ChoiceField(choices=Mode.choices, default=Mode.IN_PERSON)
    location = serializers.CharField(
        max_length=LOCATION_MAX,
        allow_blank=True,
        default="",
        help_text="A place or a video link; optional.",
    )


class SessionCreateSerializer(WhenHowInputSerializer):
    client = serializers.UUIDField(help_text="One of your active clients.")
    day = serializers.DateField(help_text="Your local date, within five years of today.")
    status = serializers.ChoiceField(
        choices=[Status.SCHEDULED, Status.HELD, Status.MISSED],
        default=Status.SCHEDULED,
        help_text="Scheduled for a session still to come; held or missed for one in the past.",
    )


class SessionMoveSerializer(serializers.Serializer):
    day = serializers.DateField(required=False, help_text="Your local date; default: the same.")
    start_time = LocalTimeField(required=False, help_text="HH:MM; default: the same.")
    minutes = serializers.IntegerField(min_value=MINUTES_MIN, max_value=MINUTES_MAX, required=False)

    def validate(self, attrs):
        if not attrs:
            raise ValidationError("Say when to move it: a day, a start time or a length.")
        return attrs


class SessionCancelSerializer(serializers.Serializer):
    rest_of_series = serializers.BooleanField(
        default=False, help_text="Cancel every later session of its series too."
    )


class SessionCancelledSerializer(serializers.Serializer):
    cancelled = serializers.IntegerField(help_text="How many sessions were cancelled.")
    session = SessionSerializer()


class SessionMarkSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[Status.HELD, Status.MISSED], help_text="After its start: held or missed."
    )


class SessionQuerySerializer(serializers.Serializer):
    client = serializers.UUIDField(
        required=False, help_text="Only this client's sessions (one of your active clients)."
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    to = serializers.DateField(required=False, help_text="Starting on or before this day.")

    def get_fields(self):
        # `from` is a Python keyword, so it cannot be declared as a class attribute.
        return {
            **super().get_fields(),
            "from": serializers.DateField(
                required=False, help_text="Starting on or after this day (your own zone)."
            ),
        }

    def validate(self, attrs):
        low, high = QUERY_DAYS
        for name in ("from", "to"):
            if name in attrs and not low <= attrs[name] <= high:
                raise ValidationError({name: [f"Give a day between {low} and {high}."]})
        if "from" in attrs and "to" in attrs and attrs["to"] < attrs["from"]:
            raise ValidationError({"to": ["Must not be before 'from'."]})
        return attrs


class SessionSeriesSerializer(WhenHowSerializer):
    class Meta:
        model = Series
        fields = [
            *WhenHowSerializer.SHARED,
            "every_weeks",
            "first_day",
            "until",
            "count",
            "created_at",
        ]
        read_only_fields = fields


class SessionSeriesDetailSerializer(SessionSeriesSerializer):
    sessions = serializers.SerializerMethodField(help_text="Its sessions, soonest first.")

    class Meta(SessionSeriesSerializer.Meta):
        fields = [*SessionSeriesSerializer.Meta.fields, "sessions"]
        read_only_fields = fields

    def get_sessions(self, obj) -> SessionSerializer(many=True):
        sessions = obj.appointments.select_related("client", "therapist", "series")
        return SessionSerializer(sessions, many=True, context=self.context).data


class SessionSeriesSavedSerializer(SessionSeriesDetailSerializer):
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="What to know, not errors: sessions at the same time as others of yours.",
    )

    class Meta(SessionSeriesDetailSerializer.Meta):
        fields = [*SessionSeriesDetailSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class SessionSeriesCreateSerializer(WhenHowInputSerializer):
    client = serializers.UUIDField(help_text="One of your active clients.")
    first_day = serializers.DateField(help_text="Your local date of the first session.")
    every_weeks = serializers.ChoiceField(choices=[1, 2], default=1)
    until = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The last possible day, within five years of the first. This or `count`.",
    )
    count = serializers.IntegerField(
        min_value=1,
        max_value=SERIES_COUNT_MAX,
        required=False,
        allow_null=True,
        help_text="How many sessions. This or `until` (whichever ends it first).",
    )


# --- Views ---------------------------------------------------------------------------


class SessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Therapy sessions: a client sees their own, a therapist those within their active care
    relationships. Only the therapist records, moves, cancels and marks them; a session is
    cancelled, never deleted."""

    serializer_class = SessionSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    action_access = {
        "create": Access.THERAPIST,
        "partial_update": Access.THERAPIST,
        "cancel": Access.THERAPIST,
        "mark": Access.THERAPIST,
    }

    def get_queryset(self):
        return Appointment.objects.visible_to(self.request.user).select_related(
            "client", "therapist", "series"
        )

    def _fresh(self, appointment: Appointment, serializer=SessionSerializer, **extra) -> dict:
        """The session as the API shows it, read again after a change."""
        appointment = self.get_queryset().get(pk=appointment.pk)
        for name, value in extra.items():
            setattr(appointment, name, value)
        return serializer(appointment, context=self.get_serializer_context()).data

    @extend_schema(parameters=[SessionQuerySerializer])
    def list(self, request, *args, **kwargs):
        query = query_params(SessionQuerySerializer, request)
        queryset = self.get_queryset()
        if "client" in query:
            # Through the policy: anyone but the client or their therapist gets a 404.
            queryset = queryset.filter(client=get_client_for_user(request.user, query["client"]))
        if "status" in query:
            queryset = queryset.filter(status=query["status"])
        zone = request.user.zone
        if "from" in query:
            queryset = queryset.filter(
                starts_at__gte=local_days_bounds(query["from"], query["from"], zone)[0]
            )
        if "to" in query:
            queryset = queryset.filter(
                starts_at__lt=local_days_bounds(query["to"], query["to"], zone)[1]
            )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSavedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = SessionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        # Ids in the body go through the policy: a client outside the caseload is a 404.
        relationship = get_active_relationship_for_client(request.user, fields.pop("client"))
        saved = services.appointment_create(
            therapist=request.user, relationship=relationship, **fields
        )
        (appointment,) = saved.appointments
        data = self._fresh(appointment, SessionSavedSerializer, warnings=saved.warnings)
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SessionMoveSerializer, responses=SessionSavedSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Move a session still to come (of a series too: the others stay where they are).
        409 when it has started or is no longer scheduled."""
        appointment = self.get_object()
        serializer = SessionMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        move = serializer.validated_data
        saved = services.appointment_move(
            appointment=appointment,
            day=move.get("day", appointment.day),
            start_time=move.get("start_time", appointment.start_time),
            minutes=move.get("minutes"),
        )
        return Response(self._fresh(appointment, SessionSavedSerializer, warnings=saved.warnings))

    @extend_schema(request=SessionCancelSerializer, responses=SessionCancelledSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, public_id=None):
        """Cancel a session still to come, or it and the rest of its series. 409 when it has
        started or is no longer scheduled."""
        appointment = self.get_object()
        serializer = SessionCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cancelled = services.appointment_cancel(
            appointment=appointment, rest_of_series=serializer.validated_data["rest_of_series"]
        )
        return Response({"cancelled": cancelled, "session": self._fresh(appointment)})

    @extend_schema(request=SessionMarkSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def mark(self, request, public_id=None):
        """After its start: the session was held, or missed."""
        appointment = self.get_object()
        serializer = SessionMarkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.appointment_mark(
            appointment=appointment, status=serializer.validated_data["status"]
        )
        return Response(self._fresh(appointment))


class SeriesViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Weekly or fortnightly series of sessions. The therapist sets one up; each of its
    sessions is then moved or cancelled through /api/v1/sessions/ (with `rest_of_series`)."""

    serializer_class = SessionSeriesSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    action_access = {"create": Access.THERAPIST}

    def get_queryset(self):
        return (
            Series.objects.visible_to(self.request.user)
            .select_related("client", "therapist")
            .order_by("-first_day", "-id")
        )

    def get_serializer_class(self):
        return (
            SessionSeriesDetailSerializer if self.action == "retrieve" else SessionSeriesSerializer
        )

    @extend_schema(
        request=SessionSeriesCreateSerializer, responses={201: SessionSeriesSavedSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = SessionSeriesCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        relationship = get_active_relationship_for_client(request.user, fields.pop("client"))
        saved = services.series_create(therapist=request.user, relationship=relationship, **fields)
        series = self.get_queryset().get(pk=saved.series.pk)
        series.warnings = saved.warnings
        data = SessionSeriesSavedSerializer(series, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)
