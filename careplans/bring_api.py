"""The "to bring to my session" lines in the API: the client lists, adds, reorders and
removes the lines of their sessions until each starts (then 409, nothing saved); their
therapist reads them. A line's source is named only to someone who may open it, so a line
added from a private entry shows the therapist its text alone."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.api import query_params
from accounts.policy import Access
from appointments import services as appointment_services
from appointments.models import BRING_TEXT_MAX, Appointment, BringItem

from . import bring


class BringItemSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    session = serializers.UUIDField(source="appointment.public_id", read_only=True)
    source = serializers.SerializerMethodField(
        help_text="journal, lifestyle, social, trigger or plan_item; null for a free note, "
        "or when you may not open the source (a private entry)."
    )
    source_id = serializers.SerializerMethodField()

    class Meta:
        model = BringItem
        fields = ["id", "session", "text", "source", "source_id", "position", "created_at"]
        read_only_fields = fields

    def _shown(self, item: BringItem) -> bool:
        return bool(item.source) and (item.source, item.source_id) in self.context["sources"]

    def get_source(self, item: BringItem) -> str | None:
        return item.source if self._shown(item) else None

    def get_source_id(self, item: BringItem) -> str | None:
        return str(item.source_id) if self._shown(item) else None


class BringItemCreateSerializer(serializers.Serializer):
    session = serializers.UUIDField(help_text="One of your sessions still to come.")
    text = serializers.CharField(max_length=BRING_TEXT_MAX)
    source = serializers.ChoiceField(
        choices=[c for c in BringItem.Source.values if c], required=False
    )
    source_id = serializers.UUIDField(required=False)
    share_source = serializers.BooleanField(
        default=False,
        help_text="Share a private source with your therapist first. Otherwise they see the "
        "line's text only.",
    )

    def validate(self, data):
        if ("source" in data) != ("source_id" in data):
            raise serializers.ValidationError("Give both source and source_id, or neither.")
        return data


class BringItemMoveSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=0, help_text="0 is the first line.")


class BringItemQuerySerializer(serializers.Serializer):
    session = serializers.UUIDField(required=False, help_text="Only this session's lines.")


class BringItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Lines to bring to a session: the client's own, or (read only) a therapist's active
    clients'. Changes after the session started answer 409."""

    serializer_class = BringItemSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_access = {
        "create": Access.CLIENT,
        "partial_update": Access.CLIENT,
        "destroy": Access.CLIENT,
    }

    def get_queryset(self):
        return (
            BringItem.objects.visible_to(self.request.user)
            .select_related("appointment")
            .order_by("appointment__starts_at", "position", "id")
        )

    def _data(self, items, many: bool = False):
        items = list(items) if many else [items]
        context = {"sources": bring.sources_visible_to(self.request.user, items)}
        data = BringItemSerializer(items, many=True, context=context).data
        return data if many else data[0]

    @extend_schema(parameters=[BringItemQuerySerializer])
    def list(self, request, *args, **kwargs):
        query = query_params(BringItemQuerySerializer, request)
        queryset = self.get_queryset()
        if "session" in query:
            queryset = queryset.filter(appointment__public_id=query["session"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self._data(page, many=True))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._data(self.get_object()))

    @extend_schema(request=BringItemCreateSerializer, responses={201: BringItemSerializer})
    def create(self, request, *args, **kwargs):
        serializer = BringItemCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        appointment = Appointment.objects.visible_to(request.user).filter(public_id=data["session"])
        if not appointment:
            raise ValidationError({"session": ["There is no such session."]})
        source = None
        if "source" in data:
            try:
                source = bring.get_source_for_client(
                    request.user, data["source"], data["source_id"]
                )
            except Http404:
                raise ValidationError({"source_id": ["There is no such entry."]}) from None
        item = bring.bring_add_from(
            client=request.user,
            appointment=appointment[0],
            text=data["text"],
            source=source,
            share=data["share_source"],
        )
        return Response(self._data(item), status=status.HTTP_201_CREATED)

    @extend_schema(request=BringItemMoveSerializer, responses={200: BringItemSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Move the line to `position`; the others keep their order."""
        item = self.get_object()
        serializer = BringItemMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment_services.bring_move(
            client=request.user, item=item, position=serializer.validated_data["position"]
        )
        return Response(self._data(self.get_queryset().get(pk=item.pk)))

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        appointment_services.bring_remove(client=request.user, item=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
