"""The progress API: the per-day series behind the charts, and "what helps".

The client asks about themselves; a therapist names an active client (`client=<uuid>`) and
gets what that client shares (one audit row a request).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import fragments, versions
from accounts import services as account_services
from accounts.api import query_params
from accounts.models import Role, User
from accounts.policy import get_client_for_user
from accounts.representation import QuickRead

from .forms import RANGE_ERROR
from .insights import MIN_DAYS, MIN_DIFFERENCE, MIN_GROUP_DAYS, what_helps
from .series import DEFAULT_RANGE, RANGES, progress_series


class ProgressQuerySerializer(serializers.Serializer):
    range = serializers.ChoiceField(
        choices=list(RANGES),
        default=DEFAULT_RANGE,
        error_messages={"invalid_choice": RANGE_ERROR},
        help_text="4w (4 weeks, the default), 12w (12 weeks) or 1y (a year), ending today.",
    )
    client = serializers.UUIDField(
        required=False, help_text="Whose progress (therapists: one of your active clients)."
    )


class DayPointSerializer(QuickRead, serializers.Serializer):
    day = serializers.DateField()
    mood = serializers.FloatField(
        allow_null=True, help_text="Mean journal mood that day (0 to 10), one decimal."
    )
    mood_average = serializers.FloatField(
        allow_null=True, help_text="Mean of the daily moods of the 7 days ending that day."
    )
    sleep_hours = serializers.FloatField(allow_null=True)
    exercise_minutes = serializers.IntegerField(allow_null=True)
    social_contacts = serializers.IntegerField()
    social_minutes = serializers.IntegerField()


class WeekPointSerializer(QuickRead, serializers.Serializer):
    monday = serializers.DateField()
    done = serializers.IntegerField()
    due = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)


class WeekValuesSerializer(QuickRead, serializers.Serializer):
    first = serializers.DateField(help_text="The week's first day in the range.")
    last = serializers.DateField(help_text="The week's last day in the range.")
    mood = serializers.FloatField(allow_null=True, help_text="Mean of the daily moods.")
    mood_days = serializers.IntegerField()
    sleep_hours = serializers.FloatField(allow_null=True, help_text="Mean of the nights logged.")
    sleep_days = serializers.IntegerField()
    exercise_minutes = serializers.IntegerField(allow_null=True, help_text="Total.")
    exercise_days = serializers.IntegerField()
    social_contacts = serializers.IntegerField(help_text="Total.")
    social_minutes = serializers.IntegerField(help_text="Total.")
    social_days = serializers.IntegerField(help_text="Days with a contact.")


class SeriesSerializer(serializers.Serializer):
    client = serializers.UUIDField(source="client.public_id")
    range = serializers.CharField()
    first = serializers.DateField()
    last = serializers.DateField()
    aggregation = serializers.ChoiceField(
        choices=["daily", "weekly"],
        help_text="How the portal draws and tables this range: daily for 4 weeks, weekly "
        "(the `weekly` values) for 12 weeks and a year.",
    )
    days = DayPointSerializer(many=True)
    weekly = WeekValuesSerializer(
        many=True,
        help_text="The days by ISO week (clipped to the range): means for mood and sleep, "
        "totals for minutes and contacts, each with the number of days behind it.",
    )
    weeks = WeekPointSerializer(many=True, help_text="Homework done of due per ISO week.")


class InsightSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="exercise, sleep, social, homework or coping.")
    text = serializers.CharField(help_text="An association, worded as one (never a cause).")
    mean_with = serializers.FloatField()
    days_with = serializers.IntegerField()
    mean_without = serializers.FloatField()
    days_without = serializers.IntegerField()
    direction = serializers.ChoiceField(
        choices=["higher", "lower"], help_text="The mood with the factor, against without it."
    )


class InsightsSerializer(serializers.Serializer):
    client = serializers.UUIDField()
    range = serializers.CharField()
    min_days = serializers.IntegerField(help_text="Days with a mood and the factor needed.")
    min_group_days = serializers.IntegerField(help_text="Days needed on each side.")
    min_difference = serializers.FloatField(help_text="Points between the two averages needed.")
    insights = InsightSerializer(many=True)


def _client(request, query) -> User:
    if "client" in query:
        client = get_client_for_user(request.user, query["client"])
    elif request.user.role == Role.CLIENT:
        client = request.user
    else:
        raise ValidationError({"client": ["Say whose progress to show."]})
    account_services.records_viewed(viewer=request.user, client=client, what="progress")
    return client


class SeriesView(APIView):
    """Per-day mood (with its 7-day average), sleep, exercise and time with others, and
    weekly homework adherence."""

    @extend_schema(parameters=[ProgressQuerySerializer], responses=SeriesSerializer)
    def get(self, request):
        return versions.cached_api(request, lambda: self._get(request))

    def _get(self, request):
        query = query_params(ProgressQuerySerializer, request)
        client = _client(request, query)
        series = progress_series(viewer=request.user, client=client, range_key=query["range"])
        # Serialized once for these numbers: a write that left them as they were (a reply
        # read, a plan changed) serves the answer kept for them.
        source = repr((client.public_id, series.range, series.first, series.days, series.weeks))
        return Response(
            fragments.kept_value("progress-series", source, lambda: SeriesSerializer(series).data)
        )


class InsightsView(APIView):
    """How the mood went on days with and without each factor (only differences of at
    least `min_difference` points), with the numbers behind it."""

    @extend_schema(parameters=[ProgressQuerySerializer], responses=InsightsSerializer)
    def get(self, request):
        query = query_params(ProgressQuerySerializer, request)
        client = _client(request, query)
        series = progress_series(viewer=request.user, client=client, range_key=query["range"])
        data = {
            "client": client.public_id,
            "range": query["range"],
            "min_days": MIN_DAYS,
            "min_group_days": MIN_GROUP_DAYS,
            "min_difference": MIN_DIFFERENCE,
            "insights": what_helps(viewer=request.user, series=series),
        }
        return Response(InsightsSerializer(data).data)
