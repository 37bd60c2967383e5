"""One session in the API, for its therapist: the brief (built by the same selector as the
page), marking it held or missed, and the note to the client after it.

Kept apart from the sessions resource itself (`/api/v1/sessions/`): these are the brief's
and the after-session page's actions."""

import uuid

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as account_services
from appointments import services
from appointments.models import RECAP_MAX
from progress.brief import get_session_for_therapist, session_brief


class BriefPeriodSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The last session held began then; else 4 weeks.")
    end = serializers.DateTimeField()
    first = serializers.DateField(help_text="The client's local days.")
    last = serializers.DateField()
    since_session = serializers.DateTimeField(allow_null=True)


class BriefBringSerializer(serializers.Serializer):
    text = serializers.CharField()
    source = serializers.CharField(help_text='"" for a note, else the kind of record.')


class BriefHomeworkSerializer(serializers.Serializer):
    assignment = serializers.UUIDField(source="assignment_id")
    title = serializers.CharField()
    status = serializers.CharField()
    weekly = serializers.BooleanField(help_text="N a week: due per week, no day is missed.")
    done = serializers.IntegerField()
    due = serializers.IntegerField()
    missed = serializers.ListField(child=serializers.DateField())


class BriefMoodDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    mood = serializers.FloatField(allow_null=True)


class BriefMoodSerializer(serializers.Serializer):
    days = BriefMoodDaySerializer(many=True, help_text="The period's last 28 days at most.")
    average = serializers.FloatField(allow_null=True)
    days_with_mood = serializers.IntegerField()
    last_7 = serializers.FloatField(allow_null=True, help_text="Mean of the last 7 days' moods.")
    trend = serializers.ListField(
        child=serializers.FloatField(allow_null=True), help_text="7-day average on each day."
    )


class BriefLoggedSerializer(serializers.Serializer):
    kind = serializers.CharField()
    count = serializers.IntegerField()

    def to_representation(self, instance):
        kind, count, _label = instance
        return {"kind": kind, "count": count}


class BriefStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    helped = serializers.IntegerField()


class BriefTriggerSerializer(serializers.Serializer):
    trigger = serializers.CharField()
    logs = serializers.IntegerField()
    rated = serializers.IntegerField()
    steps = BriefStepSerializer(many=True)


class BriefMeasureSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    score = serializers.IntegerField()
    band = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    previous = serializers.IntegerField(allow_null=True)
    previous_at = serializers.DateTimeField(allow_null=True)
    change = serializers.CharField(help_text="baseline, improved, deteriorated or none.")


class BriefAlertSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="alert_id")
    source = serializers.CharField()
    raised_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField()
    note = serializers.CharField()


class BriefPlanSerializer(serializers.Serializer):
    plan = serializers.UUIDField(source="plan_id")
    latest = serializers.IntegerField()
    agreed = serializers.IntegerField(help_text="0 when no version is agreed yet.")
    changes = serializers.SerializerMethodField()

    def get_changes(self, obj) -> dict[str, int]:
        return dict(obj.counts)


class BriefEntrySerializer(serializers.Serializer):
    kind = serializers.CharField()
    record = serializers.UUIDField(source="record_id")
    day = serializers.DateField()
    text = serializers.CharField()
    has_feedback = serializers.BooleanField()


class BriefSerializer(serializers.Serializer):
    session = serializers.UUIDField(source="appointment.public_id")
    client = serializers.UUIDField(source="client.public_id")
    starts_at = serializers.DateTimeField(source="appointment.starts_at")
    shared_only = serializers.SerializerMethodField()
    period = BriefPeriodSerializer()
    bring = BriefBringSerializer(many=True)
    homework = BriefHomeworkSerializer(many=True)
    mood = BriefMoodSerializer()
    logged = BriefLoggedSerializer(many=True)
    triggers = BriefTriggerSerializer(many=True)
    measures = BriefMeasureSerializer(many=True)
    alerts = BriefAlertSerializer(many=True)
    plan = BriefPlanSerializer(allow_null=True)
    entries = BriefEntrySerializer(many=True)

    def get_shared_only(self, obj) -> bool:
        """Always true: the brief counts only what the client shares."""
        return True


# The session's public id (a UUID), as the path converter takes it.
SESSION_ID = OpenApiParameter("public_id", uuid.UUID, OpenApiParameter.PATH)


class BriefView(APIView):
    """The pre-session brief: since the last session held (else 4 weeks), shared records
    only. One audit row a read."""

    @extend_schema(parameters=[SESSION_ID], responses=BriefSerializer)
    def get(self, request, public_id):
        appointment = get_session_for_therapist(request.user, public_id)
        account_services.records_viewed(
            viewer=request.user, client=appointment.client, what="session brief"
        )
        brief = session_brief(therapist=request.user, appointment=appointment, now=timezone.now())
        return Response(BriefSerializer(brief).data)


class SessionAfterSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    status = serializers.CharField(read_only=True)
    recap = serializers.CharField(read_only=True)
    recap_at = serializers.DateTimeField(read_only=True)
    recap_read_at = serializers.DateTimeField(read_only=True)


class RecapSerializer(serializers.Serializer):
    recap = serializers.CharField(
        allow_blank=True, max_length=RECAP_MAX, help_text='"From today\'s session"; "" removes it.'
    )


class RecapView(APIView):
    """The note to the client after a held session; they see it on Today until opened."""

    @extend_schema(
        parameters=[SESSION_ID], request=RecapSerializer, responses=SessionAfterSerializer
    )
    def post(self, request, public_id):
        appointment = get_session_for_therapist(request.user, public_id)
        body = RecapSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appointment = services.recap_write(
            appointment=appointment, text=body.validated_data["recap"]
        )
        return Response(SessionAfterSerializer(appointment).data)
