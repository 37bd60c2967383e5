"""The measures API: questionnaires set by the therapist, answers submitted by the client,
and results with bands and reliable-change marks, for both sides.

Thin on purpose: serializers check the shape of the input, `services` decide and write,
`selectors` read, and `accounts.policy` decides who sees what (strangers get 404). A second
submit for the same period is a 409 with the id of the answers already recorded."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts import services as account_services
from accounts import versions
from accounts.api import query_params
from accounts.models import Role
from accounts.policy import Access, get_active_relationship_for_client, get_client_for_user
from accounts.representation import QuickRead
from safety.crisis import crisis_payload
from safety.serializers import CrisisSerializer

from . import instruments, selectors, services
from .models import DAYS_BEFORE_MAX, EVERY_WEEKS_MAX, Instrument, MeasureAssignment, MeasureResponse

# --- Serializers ----------------------------------------------------------------------


class MeasureAssignmentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    client = serializers.UUIDField(source="client.public_id", read_only=True)
    every_weeks = serializers.IntegerField(allow_null=True, read_only=True, help_text="Null: once.")
    schedule_text = serializers.CharField(read_only=True)

    class Meta:
        model = MeasureAssignment
        fields = [
            "id",
            "client",
            "instrument",
            "every_weeks",
            "before_sessions",
            "days_before",
            "schedule_text",
            "start_date",
            "status",
            "created_at",
            "ended_at",
        ]
        read_only_fields = fields


class MeasureAssignCreateSerializer(serializers.Serializer):
    client = serializers.UUIDField(help_text="The client's id; one of your active clients.")
    instrument = serializers.ChoiceField(choices=Instrument.choices)
    every_weeks = serializers.IntegerField(
        min_value=1,
        max_value=EVERY_WEEKS_MAX,
        allow_null=True,
        required=False,
        help_text="Repeat every N weeks (1 to 12); leave out or null for once.",
    )
    before_sessions = serializers.BooleanField(
        default=False, help_text="Due before each session, instead of once or every N weeks."
    )
    days_before = serializers.IntegerField(
        min_value=0,
        max_value=DAYS_BEFORE_MAX,
        default=2,
        help_text="Before each session: due from this many days before it (0: the day).",
    )
    start_date = serializers.DateField(required=False, help_text="Default: today.")


class MeasureResponseSerializer(QuickRead, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    assignment = serializers.UUIDField(source="assignment.public_id", read_only=True)
    client = serializers.UUIDField(source="client.public_id", read_only=True)
    session = serializers.UUIDField(
        source="appointment.public_id",
        read_only=True,
        allow_null=True,
        help_text="The session the answers were given before; null for other schedules.",
    )
    answers = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = MeasureResponse
        fields = [
            "id",
            "assignment",
            "client",
            "instrument",
            "period",
            "session",
            "answers",
            "raw_total",
            "score",
            "band",
            "submitted_at",
        ]
        read_only_fields = fields


class ResultSerializer(MeasureResponseSerializer):
    """A response with what it means."""

    band_label = serializers.CharField(source="band_info.label", read_only=True)
    baseline = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The first score on this measure in the care relationship; null for it.",
    )
    change = serializers.ChoiceField(
        choices=[(c.value, instruments.CHANGE_LABELS[c]) for c in instruments.Change],
        read_only=True,
        help_text="Reliable change against the baseline (PHQ-9 ±6, GAD-7 ±4, WHO-5 ±10).",
    )
    crisis = CrisisSerializer(
        read_only=True,
        allow_null=True,
        help_text="Set when PHQ-9 question 9 is above 0: show these resources. Null otherwise.",
    )

    class Meta(MeasureResponseSerializer.Meta):
        fields = [
            *MeasureResponseSerializer.Meta.fields,
            "band_label",
            "baseline",
            "change",
            "crisis",
        ]
        read_only_fields = fields


@extend_schema_field({"type": "integer", "nullable": True})
class AnswerField(serializers.Field):
    """One answer as given: the instrument's rules say what is valid (a whole number in its
    range; not a string, a boolean or a fraction), so a call for help in question 9 is seen
    even when another answer is wrong."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class SubmitSerializer(serializers.Serializer):
    assignment = serializers.UUIDField()
    answers = serializers.ListField(
        child=AnswerField(allow_null=True),
        max_length=20,
        help_text="One answer per question, in order (PHQ-9/GAD-7: 0 to 3; WHO-5: 0 to 5).",
    )


class ResultQuerySerializer(serializers.Serializer):
    client = serializers.UUIDField(
        required=False, help_text="Required for a therapist; a client sees their own."
    )
    instrument = serializers.ChoiceField(choices=Instrument.choices, required=False)


class AssignmentQuerySerializer(serializers.Serializer):
    client = serializers.UUIDField(required=False, help_text="Only this client's.")


def result_data(result: selectors.Result, crisis: dict | None = None) -> dict:
    """A result; `crisis` is the crisis object, given when its answers call for help."""
    return results_data([result], crisis)[0]


def results_data(results: list[selectors.Result], crisis: dict | None = None) -> list:
    """`result_data` of each, with one serializer for them all (a serializer made per item
    copies its fields each time)."""
    responses = []
    for result in results:
        response = result.response
        response.baseline = result.baseline
        response.change = result.change.value
        response.crisis = crisis if services.needs_crisis_page(response) else None
        responses.append(response)
    return ResultSerializer(responses, many=True).data


# --- Views ----------------------------------------------------------------------------


class MeasureAssignmentViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Questionnaires set within care relationships: the client sees theirs, the therapist
    those they set while the relationship is active. Only the therapist sets and ends them."""

    serializer_class = MeasureAssignmentSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    action_access = {"create": Access.THERAPIST}

    def get_queryset(self):
        return MeasureAssignment.objects.visible_to(self.request.user).select_related("client")

    @extend_schema(parameters=[AssignmentQuerySerializer])
    def list(self, request, *args, **kwargs):
        query = query_params(AssignmentQuerySerializer, request)
        queryset = self.get_queryset()
        if "client" in query:
            queryset = queryset.filter(client__public_id=query["client"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=MeasureAssignCreateSerializer, responses={201: MeasureAssignmentSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = MeasureAssignCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        relationship = get_active_relationship_for_client(request.user, fields.pop("client"))
        assignment = services.measure_assign(
            therapist=request.user, relationship=relationship, **fields
        )
        return Response(
            MeasureAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=MeasureAssignmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, public_id=None):
        """End it: nothing more is due; answers already given stay."""
        assignment = services.measure_end(therapist=request.user, assignment=self.get_object())
        return Response(MeasureAssignmentSerializer(assignment).data)


class MeasureResponseViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Results: the client's answers with score, band and reliable-change mark, oldest first.
    The client submits; their therapist reads (the client is told before starting)."""

    serializer_class = ResultSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    action_access = {"create": Access.CLIENT}
    pagination_class = None

    def get_queryset(self):
        return MeasureResponse.objects.visible_to(self.request.user)

    def _client(self, request, client_id):
        if client_id is not None:
            return get_client_for_user(request.user, client_id)
        if request.user.role == Role.CLIENT:
            return request.user
        raise ValidationError({"client": ["Say whose results to show."]})

    def _results(self, client) -> list[selectors.Result]:
        if self.request.user.pk != client.pk:
            account_services.records_viewed(
                viewer=self.request.user, client=client, what="measures"
            )
        series = selectors.results(viewer=self.request.user, client=client)
        return [result for s in series for result in s.results]

    @extend_schema(parameters=[ResultQuerySerializer], responses=ResultSerializer(many=True))
    def list(self, request, *args, **kwargs):
        return versions.cached_api(request, lambda: self._list(request))

    def _list(self, request):
        query = query_params(ResultQuerySerializer, request)
        client = self._client(request, query.get("client"))
        results = self._results(client)
        if "instrument" in query:
            results = [r for r in results if r.response.instrument == query["instrument"]]
        results.sort(key=lambda r: (r.response.submitted_at, r.response.pk))
        crisis = crisis_payload(client) if any(needs_crisis(r) for r in results) else None
        return Response(results_data(results, crisis))

    def retrieve(self, request, *args, **kwargs):
        response = selectors.get_response_for_user(request.user, kwargs["public_id"])
        result = next(r for r in self._results(response.client) if r.response.pk == response.pk)
        crisis = crisis_payload(response.client) if needs_crisis(result) else None
        return Response(result_data(result, crisis))

    @extend_schema(request=SubmitSerializer, responses={201: ResultSerializer})
    def create(self, request, *args, **kwargs):
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            assignment = selectors.get_assignment_for_user(request.user, data["assignment"])
        except Http404:
            # An id in the body is a bad request, not a missing page.
            raise ValidationError({"assignment": ["There is no such questionnaire."]}) from None
        try:
            response = services.response_submit(
                client=request.user, assignment=assignment, answers=data["answers"]
            )
        except services.NotSavedButHelpAsked as exc:
            # Not saved, but question 9 reached the therapist: say where help is now.
            body = {**exc.message_dict, "crisis": crisis_payload(request.user)}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        result = next(r for r in self._results(request.user) if r.response.pk == response.pk)
        crisis = crisis_payload(request.user) if needs_crisis(result) else None
        return Response(result_data(result, crisis), status=status.HTTP_201_CREATED)


def needs_crisis(result: selectors.Result) -> bool:
    return services.needs_crisis_page(result.response)
