"""The care plan API: plans, their items, versions and diffs, and the "I'm triggered" log.

Every change to an item carries `base_version`, the plan version it started from; if
someone changed the item (or the order of its section) since, the answer is 409 with the
item as it is now and what was sent, and nothing is overwritten.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts import versions
from accounts.models import CareStatus, Role
from accounts.policy import Access, care_relationships_visible_to
from accounts.representation import QuickRead
from accounts.services import records_viewed
from clients.models import Person
from homework.models import Assignment

from . import selectors, services
from .models import CarePlan, Helped, PlanItem, PlanVersion, Section, TriggerLog

# --- Serializers ------------------------------------------------------------------------


class PlanItemSerializer(QuickRead, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = serializers.UUIDField(source="person.public_id", read_only=True, allow_null=True)
    person_name = serializers.CharField(source="person.name", read_only=True, allow_null=True)

    class Meta:
        model = PlanItem
        fields = [
            "id",
            "section",
            "position",
            "text",
            "signs",
            "helps",
            "steps",
            "measure",
            "review_date",
            "person",
            "person_name",
            "changed_in",
        ]
        read_only_fields = fields


class PlanSummarySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    relationship = serializers.UUIDField(source="relationship.public_id", read_only=True)
    client = serializers.UUIDField(source="client.public_id", read_only=True)
    therapist = serializers.CharField(source="relationship.therapist.name", read_only=True)

    class Meta:
        model = CarePlan
        fields = ["id", "relationship", "client", "therapist", "version"]
        read_only_fields = fields


class PlanCreateSerializer(serializers.Serializer):
    """Which care relationship's plan: name the relationship, or (a therapist) the client."""

    relationship = serializers.UUIDField(
        required=False, help_text="One of your active care relationships."
    )
    client = serializers.UUIDField(
        required=False, help_text="Therapists: one of your active clients, instead."
    )

    def validate(self, attrs):
        if len(attrs) != 1:
            raise ValidationError(
                {"non_field_errors": ["Give the relationship or the client: one of the two."]}
            )
        return attrs


class PlanTagsSerializer(serializers.Serializer):
    triggers = serializers.ListField(child=serializers.CharField())
    emotions = serializers.ListField(child=serializers.CharField())


class PlanSerializer(PlanSummarySerializer):
    items = PlanItemSerializer(many=True, read_only=True)
    tags = PlanTagsSerializer(read_only=True, help_text="Journal tags from this plan")

    class Meta(PlanSummarySerializer.Meta):
        fields = [*PlanSummarySerializer.Meta.fields, "items", "tags"]
        read_only_fields = fields


class ItemFieldsSerializer(serializers.Serializer):
    """What a person may write on an item; which fields apply depends on its section."""

    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    signs = serializers.CharField(required=False, allow_blank=True)
    helps = serializers.CharField(required=False, allow_blank=True)
    steps = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    measure = serializers.CharField(required=False, allow_blank=True)
    review_date = serializers.DateField(required=False, allow_null=True)
    person = serializers.SlugRelatedField(
        slug_field="public_id", queryset=Person.objects.none(), required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only the client's own list: anyone else's person is "does not exist".
            self.fields["person"].queryset = Person.objects.visible_to(request.user)


class ItemCreateSerializer(ItemFieldsSerializer):
    section = serializers.ChoiceField(choices=Section.choices)


class ItemUpdateSerializer(ItemFieldsSerializer):
    base_version = serializers.IntegerField(min_value=0)


class BaseVersionSerializer(serializers.Serializer):
    base_version = serializers.IntegerField(min_value=0)


class ReorderSerializer(serializers.Serializer):
    section = serializers.ChoiceField(choices=Section.choices)
    order = serializers.ListField(child=serializers.UUIDField(), max_length=500)
    base_version = serializers.IntegerField(min_value=0)


class AgreeSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1)


class VersionSerializer(serializers.ModelSerializer):
    item = serializers.UUIDField(source="item_public_id", read_only=True, allow_null=True)
    author = serializers.CharField(source="author_label", read_only=True)

    class Meta:
        model = PlanVersion
        fields = ["number", "author", "created_at", "change", "section", "item", "agreed_at"]
        read_only_fields = fields


class DiffQuerySerializer(serializers.Serializer):
    from_version = serializers.IntegerField(min_value=0, required=False)
    to_version = serializers.IntegerField(min_value=0, required=False)


class ChangeSerializer(serializers.Serializer):
    change = serializers.CharField()
    section = serializers.CharField()
    id = serializers.CharField()
    text = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField())
    before = serializers.DictField()
    after = serializers.DictField()


class HomeworkLinkSerializer(serializers.Serializer):
    assignment = serializers.UUIDField()
    step = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, help_text="A coping step (from 0)"
    )


class HomeworkLinkReadSerializer(serializers.Serializer):
    item = serializers.UUIDField(source="item.public_id")
    assignment = serializers.UUIDField(source="assignment.public_id")
    title = serializers.CharField(source="assignment.title")
    step = serializers.IntegerField(allow_null=True)


class UnsetAsNullChoiceField(serializers.ChoiceField):
    """A choice that is stored blank until made: null in the API, never ""."""

    def to_representation(self, value):
        return super().to_representation(value) if value else None


class TriggerLogSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    plan = serializers.UUIDField(source="plan.public_id", read_only=True)
    item = serializers.UUIDField(source="item.public_id", read_only=True, allow_null=True)
    journal_entry = serializers.UUIDField(
        source="journal_entry.public_id", read_only=True, allow_null=True
    )
    helped = UnsetAsNullChoiceField(
        choices=Helped.choices,
        read_only=True,
        allow_null=True,
        help_text="null until the client rates it.",
    )

    class Meta:
        model = TriggerLog
        fields = [
            "id",
            "plan",
            "item",
            "trigger",
            "steps",
            "journal_entry",
            "helped",
            "rated_at",
            "created_at",
        ]
        read_only_fields = fields


class TriggerLogCreateSerializer(serializers.Serializer):
    item = serializers.UUIDField(required=False, allow_null=True, help_text="null: something else")
    note = serializers.CharField(required=False, allow_blank=True, max_length=1_000)
    shared = serializers.BooleanField(required=False)


class TriggerLogRateSerializer(serializers.Serializer):
    helped = serializers.ChoiceField(choices=Helped.choices)


def _valid(serializer_class, request, data=None) -> dict:
    serializer = serializer_class(
        data=request.data if data is None else data, context={"request": request}
    )
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- Views ------------------------------------------------------------------------------


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Care plans: the client's own, and a therapist's with their active clients. The list
    names the plans; a plan, its versions and diffs hold the content (a therapist's read is
    audited). POST opens the plan of a care relationship, making it if needed."""

    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    action_access = {"agree": Access.THERAPIST}

    def get_queryset(self):
        return CarePlan.objects.visible_to(self.request.user).select_related(
            "client", "relationship__therapist"
        )

    def get_serializer_class(self):
        return PlanSummarySerializer if self.action in ("list", "create") else PlanSerializer

    @extend_schema(
        request=PlanCreateSerializer,
        responses={
            201: OpenApiResponse(PlanSummarySerializer, description="Made now, empty."),
            200: OpenApiResponse(PlanSummarySerializer, description="It was there already."),
        },
    )
    def create(self, request, *args, **kwargs):
        """The plan of one of your active care relationships, made empty if there is none yet
        (as the portal does when the plan is first opened)."""
        data = _valid(PlanCreateSerializer, request)
        relationships = care_relationships_visible_to(request.user).active()
        if "client" in data:
            field, lookup = "client", {"client__public_id": data["client"]}
            if request.user.role != Role.THERAPIST:
                relationships = relationships.none()
        else:
            field, lookup = "relationship", {"public_id": data["relationship"]}
        relationship = relationships.filter(**lookup).first()
        if relationship is None:
            raise ValidationError({field: ["Choose one of your active care relationships."]})
        plan, created = services.plan_get_or_create(relationship=relationship)
        return Response(
            PlanSummarySerializer(plan).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _plan(self) -> CarePlan:
        plan = self.get_object()
        records_viewed(viewer=self.request.user, client=plan.client, what="care plan")
        return plan

    def retrieve(self, request, *args, **kwargs):
        return versions.cached_api(request, lambda: self._retrieve())

    def _retrieve(self):
        plan = self._plan()
        data = PlanSummarySerializer(plan).data
        data["items"] = PlanItemSerializer(selectors.plan_items(plan), many=True).data
        # The plan's triggers and emotions, to choose from as journal tags.
        data["tags"] = selectors.plan_tags(plan.client, plan=plan)
        return Response(data)

    @extend_schema(request=ItemCreateSerializer, responses={201: PlanItemSerializer})
    @action(detail=True, methods=["post"], url_path="items", url_name="items")
    def items(self, request, public_id=None):
        plan = self.get_object()
        fields = _valid(ItemCreateSerializer, request)
        item = services.item_add(author=request.user, plan=plan, **fields)
        return Response(PlanItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReorderSerializer, responses={204: None})
    @action(detail=True, methods=["post"], url_path="reorder", url_name="reorder")
    def reorder(self, request, public_id=None):
        plan = self.get_object()
        services.section_reorder(
            author=request.user, plan=plan, **_valid(ReorderSerializer, request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=VersionSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="versions",
        url_name="versions",
        pagination_class=None,
    )
    def versions(self, request, public_id=None):
        plan = self._plan()
        return Response(VersionSerializer(selectors.versions_of(plan), many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("from_version", int, description="0 is the empty plan"),
            OpenApiParameter("to_version", int, description="the latest by default"),
        ],
        responses=ChangeSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="diff", url_name="diff", pagination_class=None)
    def diff(self, request, public_id=None):
        plan = self._plan()
        query = _valid(DiffQuerySerializer, request, data=request.query_params)
        first = query.get("from_version", 0)
        second = query.get("to_version", plan.version)
        changes = selectors.versions_diff(plan, first, second)
        return Response(ChangeSerializer(changes, many=True).data)

    @extend_schema(request=AgreeSerializer, responses=VersionSerializer)
    @action(detail=True, methods=["post"], url_path="agree", url_name="agree")
    def agree(self, request, public_id=None):
        plan = self.get_object()
        number = _valid(AgreeSerializer, request)["number"]
        version = get_object_or_404(plan.versions.all(), number=number)
        version = services.version_agree(therapist=request.user, version=version)
        return Response(VersionSerializer(version).data)


class PlanItemViewSet(
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """One item of a plan. PATCH and DELETE carry `base_version` (DELETE in the query)."""

    serializer_class = PlanItemSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return PlanItem.objects.visible_to(self.request.user).select_related(
            "plan__relationship", "plan__client", "person"
        )

    def retrieve(self, request, *args, **kwargs):
        item = self.get_object()
        records_viewed(viewer=request.user, client=item.plan.client, what="care plan")
        return Response(PlanItemSerializer(item).data)

    @extend_schema(request=ItemUpdateSerializer, responses=PlanItemSerializer)
    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        fields = _valid(ItemUpdateSerializer, request)
        item = services.item_edit(author=request.user, item=item, **fields)
        return Response(PlanItemSerializer(item).data)

    @extend_schema(request=HomeworkLinkSerializer, responses={201: HomeworkLinkReadSerializer})
    @action(detail=True, methods=["post"], url_path="homework", url_name="homework")
    def homework(self, request, public_id=None):
        """Link homework of this care relationship to a goal or a trigger's coping step."""
        item = self.get_object()
        data = _valid(HomeworkLinkSerializer, request)
        assignment = (
            Assignment.objects.visible_to(request.user).filter(public_id=data["assignment"]).first()
        )
        if assignment is None:
            raise ValidationError({"assignment": ["Choose homework from this care relationship."]})
        link = services.homework_link(
            author=request.user, item=item, assignment=assignment, step=data.get("step")
        )
        return Response(HomeworkLinkReadSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("base_version", int, required=True)],
        responses={204: None},
    )
    def destroy(self, request, *args, **kwargs):
        item = self.get_object()
        data = request.query_params if "base_version" in request.query_params else request.data
        base = _valid(BaseVersionSerializer, request, data=data)["base_version"]
        services.item_remove(author=request.user, item=item, base_version=base)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TriggerLogViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """ "I'm triggered" moments: the client logs and rates them; a therapist reads those
    whose journal entry the client shares. No alert is raised."""

    serializer_class = TriggerLogSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_access = {"create": Access.CLIENT, "partial_update": Access.CLIENT}

    def get_queryset(self):
        return TriggerLog.objects.visible_to(self.request.user).select_related(
            "plan", "item", "journal_entry"
        )

    def list(self, request, *args, **kwargs):
        logs = self.paginate_queryset(self.get_queryset())
        for client in {log.client for log in logs} if request.user.role == Role.THERAPIST else ():
            records_viewed(viewer=request.user, client=client, what="trigger log")
        return self.get_paginated_response(TriggerLogSerializer(logs, many=True).data)

    @extend_schema(request=TriggerLogCreateSerializer, responses={201: TriggerLogSerializer})
    def create(self, request, *args, **kwargs):
        data = _valid(TriggerLogCreateSerializer, request)
        item = None
        if data.get("item"):
            item = (
                PlanItem.objects.filter(
                    plan__client=request.user,
                    plan__relationship__status=CareStatus.ACTIVE,
                    section=Section.TRIGGERS,
                    public_id=data["item"],
                )
                .select_related("plan")
                .first()
            )
            if item is None:
                raise ValidationError({"item": ["Choose one of the triggers in your plan."]})
            plan = item.plan
        else:
            relationship = (
                care_relationships_visible_to(request.user)
                .filter(status=CareStatus.ACTIVE)
                .order_by("activated_at", "id")
                .first()
            )
            if relationship is None:
                raise ValidationError({"item": ["You need a care plan with a therapist first."]})
            plan = services.plan_for_relationship(relationship)
        log = services.trigger_log_create(
            client=request.user,
            plan=plan,
            item=item,
            note=data.get("note", ""),
            shared=data.get("shared"),
        )
        return Response(TriggerLogSerializer(log).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TriggerLogRateSerializer, responses=TriggerLogSerializer)
    def partial_update(self, request, *args, **kwargs):
        log = self.get_object()
        helped = _valid(TriggerLogRateSerializer, request)["helped"]
        log = services.trigger_log_rate(client=request.user, log=log, helped=helped)
        return Response(TriggerLogSerializer(log).data)
