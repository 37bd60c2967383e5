"""The homework API: templates, assignments and their life cycle, completions, adherence.

Thin on purpose: serializers check the shape of the input, `services` decide and write,
`selectors` read, and `accounts.policy` decides who sees what (strangers get 404).
"""

import logging

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as account_services
from accounts import versions
from accounts.api import LocalTimeField, query_params
from accounts.models import Role, User
from accounts.policy import (
    Access,
    get_active_relationship_for_client,
    get_client_for_user,
)
from accounts.representation import QuickRead

from . import selectors, services
from .markdown import render
from .models import (
    COMPLETION_NOTE_MAX,
    Assignment,
    AssignmentStatus,
    CompletesBy,
    Completion,
    HomeworkTemplate,
)
from .schedules import iso_week_label

logger = logging.getLogger(__name__)

# --- Access --------------------------------------------------------------------------


def audit_reads(viewer: User, clients) -> None:
    """A read of client records by someone else (a therapist) goes to the audit log."""
    for client in {client.pk: client for client in clients}.values():
        account_services.records_viewed(viewer=viewer, client=client, what="homework")


# --- Serializers ---------------------------------------------------------------------


class ScheduleSerializer(QuickRead, serializers.ModelSerializer):
    """The fields templates and assignments share; subclasses name the model."""

    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        max_length=7,
        required=False,
        help_text="0 = Monday … 6 = Sunday; for the 'weekdays' frequency.",
    )
    target_value = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        min_value=0,
        allow_null=True,
        required=False,
        coerce_to_string=False,
    )
    completes_by = serializers.ChoiceField(
        choices=CompletesBy.choices,
        required=False,
        allow_blank=True,
        help_text="What completes a day without a tap: a journal entry (any, with a mood, or "
        "with some words) or a log that meets the target. Ticking it off always works. Left "
        "out or empty: the kind's usual rule (answers give the rule in force).",
    )
    instructions_html = serializers.SerializerMethodField()
    target_text = serializers.CharField(read_only=True)
    schedule_text = serializers.CharField(read_only=True)

    def get_instructions_html(self, obj) -> str:
        return str(render(obj.instructions))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["completes_by"] = instance.rule
        return data


class HomeworkTemplateSerializer(ScheduleSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    shared = serializers.BooleanField(source="is_shared", read_only=True)

    class Meta:
        model = HomeworkTemplate
        fields = [
            "id",
            "shared",
            *services.SCHEDULE_FIELDS,
            "instructions_html",
            "target_text",
            "schedule_text",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class AssignmentSerializer(ScheduleSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    client = serializers.UUIDField(source="client.public_id", read_only=True)
    reminder_time = LocalTimeField(
        allow_null=True,
        required=False,
        help_text="HH:MM in the client's local time.",
    )
    status = serializers.ChoiceField(
        choices=AssignmentStatus.choices,
        source="effective_status",
        read_only=True,
        help_text="Ended once the care relationship has ended.",
    )
    rrule = serializers.SerializerMethodField(
        help_text="The RFC 5545 RRULE of the due dates; null if it cannot be computed."
    )

    class Meta:
        model = Assignment
        fields = [
            "id",
            "client",
            *services.ASSIGNMENT_FIELDS,
            "instructions_html",
            "target_text",
            "schedule_text",
            "rrule",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_rrule(self, obj) -> str | None:
        try:
            return obj.schedule().to_rfc5545()
        except ValueError:
            # One bad row never fails the list: it shows without a rule, and the log says so.
            logger.exception("assignment %s has an invalid schedule", obj.pk)
            return None


class AssignmentCreateSerializer(AssignmentSerializer):
    """A new assignment; what is left out comes from the template, if one is named."""

    client = serializers.UUIDField(help_text="The client's id; one of your active clients.")
    template = serializers.UUIDField(required=False, allow_null=True)

    class Meta:
        model = Assignment
        fields = ["client", "template", *services.ASSIGNMENT_FIELDS]
        extra_kwargs = {name: {"required": False} for name in ("kind", "title", "start_date")}


class CompletionSerializer(QuickRead, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    assignment = serializers.UUIDField(source="assignment.public_id", read_only=True)

    class Meta:
        model = Completion
        fields = ["id", "assignment", "due_date", "note", "source", "completed_at"]
        read_only_fields = fields


class CompletionCreateSerializer(serializers.Serializer):
    assignment = serializers.UUIDField()
    due_date = serializers.DateField(
        required=False, allow_null=True, help_text="The day it was due; default: today."
    )
    note = serializers.CharField(max_length=COMPLETION_NOTE_MAX, allow_blank=True, default="")


class AssignmentQuerySerializer(serializers.Serializer):
    client = serializers.UUIDField(required=False, help_text="Only this client's homework.")
    status = serializers.ChoiceField(choices=AssignmentStatus.choices, required=False)


class CompletionQuerySerializer(serializers.Serializer):
    assignment = serializers.UUIDField(required=False)
    to = serializers.DateField(required=False, help_text="Due on or before this day.")

    def get_fields(self):
        # `from` is a Python keyword, so it cannot be declared as a class attribute.
        return {
            **super().get_fields(),
            "from": serializers.DateField(required=False, help_text="Due on or after this day."),
        }

    def validate(self, attrs):
        if "from" in attrs and "to" in attrs and attrs["to"] < attrs["from"]:
            raise ValidationError({"to": ["Must not be before 'from'."]})
        return attrs


class AdherenceQuerySerializer(serializers.Serializer):
    client = serializers.UUIDField(
        required=False, help_text="Required for a therapist; a client sees their own."
    )
    weeks = serializers.IntegerField(
        min_value=1, max_value=26, default=5, help_text="This week and the ones before it."
    )


class AdherenceAssignmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    done = serializers.IntegerField()
    due = serializers.IntegerField()


class AdherenceWeekSerializer(serializers.Serializer):
    week = serializers.CharField(help_text="ISO week, e.g. 2026-W48.")
    monday = serializers.DateField()
    done = serializers.IntegerField()
    due = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)
    assignments = AdherenceAssignmentSerializer(many=True, help_text="Those due that week.")


class AdherenceSerializer(serializers.Serializer):
    client = serializers.UUIDField()
    weeks = AdherenceWeekSerializer(many=True, help_text="Oldest first, this week last.")


# --- Views ---------------------------------------------------------------------------


class HomeworkTemplateViewSet(viewsets.ModelViewSet):
    """The shared template library and the therapist's own templates; only their own can be
    changed or deleted (assignments made from one keep their copy)."""

    serializer_class = HomeworkTemplateSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"

    def get_queryset(self):
        return selectors.templates_for(self.request.user)

    def get_object(self):
        public_id = self.kwargs[self.lookup_field]
        if self.request.method in SAFE_METHODS:
            template = selectors.get_template_for_user(self.request.user, public_id)
        else:
            template = selectors.get_own_template_for_user(self.request.user, public_id)
        self.check_object_permissions(self.request, template)
        return template

    def perform_create(self, serializer):
        serializer.instance = services.template_create(
            owner=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.template_update(
            template=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.template_delete(template=instance)


class AssignmentViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Homework: a client sees their own, a therapist those set within their active care
    relationships. Only the therapist sets, edits, pauses, resumes and ends it."""

    serializer_class = AssignmentSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    action_access = {
        "create": Access.THERAPIST,
        "update": Access.THERAPIST,
        "partial_update": Access.THERAPIST,
    }

    def get_queryset(self):
        return selectors.assignments_with_pauses(
            Assignment.objects.visible_to(self.request.user)
            .with_effective_status()
            .select_related("client")
        )

    @extend_schema(parameters=[AssignmentQuerySerializer])
    def list(self, request, *args, **kwargs):
        return versions.cached_api(request, lambda: self._list(request))

    def _list(self, request):
        query = query_params(AssignmentQuerySerializer, request)
        queryset = self.get_queryset()
        if "client" in query:
            queryset = queryset.filter(client__public_id=query["client"])
        if "status" in query:
            queryset = queryset.filter(effective_status=query["status"])
        page = self.paginate_queryset(queryset)
        audit_reads(request.user, [assignment.client for assignment in page])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        assignment = self.get_object()
        audit_reads(request.user, [assignment.client])
        return Response(self.get_serializer(assignment).data)

    @extend_schema(request=AssignmentCreateSerializer, responses={201: AssignmentSerializer})
    def create(self, request, *args, **kwargs):
        serializer = AssignmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        # Ids in the body go through the policy: a client outside the caseload is a 404.
        relationship = get_active_relationship_for_client(request.user, fields.pop("client"))
        template = None
        if template_id := fields.pop("template", None):
            try:
                template = selectors.get_template_for_user(request.user, template_id)
            except Http404:
                # An id in the body is a bad request, not a missing page.
                raise ValidationError({"template": ["There is no such template."]}) from None
        assignment = services.assignment_create(
            therapist=request.user, relationship=relationship, template=template, **fields
        )
        return Response(self._fresh(assignment), status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        assignment = services.assignment_update(
            assignment=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=assignment.pk)

    def _fresh(self, assignment: Assignment) -> dict:
        """The assignment as the API shows it, read again after a change."""
        return AssignmentSerializer(self.get_queryset().get(pk=assignment.pk)).data

    def _lifecycle(self, change) -> Response:
        assignment = self.get_object()
        change(assignment=assignment)
        return Response(self._fresh(assignment))

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, public_id=None):
        """Pause it from today: nothing is due and nothing can be completed until resumed."""
        return self._lifecycle(services.assignment_pause)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, public_id=None):
        return self._lifecycle(services.assignment_resume)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, public_id=None):
        """End it: nothing is due after today; past completions and adherence remain."""
        return self._lifecycle(services.assignment_end)


class CompletionViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Occurrences of homework done. The client marks them (and may undo one); their
    therapist sees them."""

    serializer_class = CompletionSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    action_access = {"create": Access.CLIENT, "destroy": Access.CLIENT}

    def get_queryset(self):
        return Completion.objects.visible_to(self.request.user).select_related(
            "assignment", "client"
        )

    @extend_schema(parameters=[CompletionQuerySerializer])
    def list(self, request, *args, **kwargs):
        return versions.cached_api(request, lambda: self._list(request))

    def _list(self, request):
        query = query_params(CompletionQuerySerializer, request)
        queryset = self.get_queryset()
        if "assignment" in query:
            queryset = queryset.filter(assignment__public_id=query["assignment"])
        if "from" in query:
            queryset = queryset.filter(due_date__gte=query["from"])
        if "to" in query:
            queryset = queryset.filter(due_date__lte=query["to"])
        page = self.paginate_queryset(queryset)
        audit_reads(request.user, [completion.client for completion in page])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        completion = self.get_object()
        audit_reads(request.user, [completion.client])
        return Response(self.get_serializer(completion).data)

    @extend_schema(request=CompletionCreateSerializer, responses={201: CompletionSerializer})
    def create(self, request, *args, **kwargs):
        serializer = CompletionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assignment = selectors.get_assignment_for_user(request.user, data["assignment"])
        completion = services.completion_create(
            client=request.user,
            assignment=assignment,
            due_date=data.get("due_date"),
            note=data["note"],
        )
        return Response(CompletionSerializer(completion).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.completion_undo(client=self.request.user, completion=instance)


class AdherenceView(APIView):
    """Done and due per ISO week, for all the client's homework and per assignment."""

    @extend_schema(parameters=[AdherenceQuerySerializer], responses=AdherenceSerializer)
    def get(self, request):
        return versions.cached_api(request, lambda: self._get(request))

    def _get(self, request):
        query = query_params(AdherenceQuerySerializer, request)
        if "client" in query:
            client = get_client_for_user(request.user, query["client"])
        elif request.user.role == Role.CLIENT:
            client = request.user
        else:
            raise ValidationError({"client": ["Say whose adherence to show."]})
        audit_reads(request.user, [client])
        report = selectors.client_adherence(
            viewer=request.user, client=client, weeks=query["weeks"]
        )
        return Response(AdherenceSerializer(adherence_data(report)).data)


def adherence_data(report: selectors.AdherenceReport) -> dict:
    """The report in the API's shape: per week, with the assignments due that week."""
    return {
        "client": report.client.public_id,
        "weeks": [
            {
                "week": iso_week_label(monday),
                "monday": monday,
                "done": total.done,
                "due": total.due,
                "percent": total.percent,
                "assignments": [
                    {
                        "id": row.assignment.public_id,
                        "title": row.assignment.title,
                        "done": row.weeks[i].done,
                        "due": row.weeks[i].due,
                    }
                    for row in report.rows
                    if row.weeks[i].due
                ],
            }
            for i, (monday, total) in enumerate(zip(report.weeks, report.totals, strict=True))
        ],
    }
