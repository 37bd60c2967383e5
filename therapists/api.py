"""The therapist's safety alerts in the API: list (open or acknowledged) and acknowledge."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import versions
from accounts.api import query_params
from accounts.representation import QuickRead
from accounts.validators import validate_text
from safety import selectors, services
from safety.models import SafetyAlert, Source

from .alerts import shared_record_urls


class AlertSerializer(QuickRead, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    client = serializers.UUIDField(source="relationship.client.public_id", read_only=True)
    client_name = serializers.CharField(source="relationship.client.name", read_only=True)
    source = serializers.ChoiceField(choices=Source.choices, read_only=True)
    status = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField(
        help_text="The record that raised it, only when the client shares it; else null."
    )
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.name",
        read_only=True,
        default=None,
        allow_null=True,
        help_text="Who acknowledged it; null while it is open.",
    )

    class Meta:
        model = SafetyAlert
        fields = [
            "id",
            "client",
            "client_name",
            "source",
            "status",
            "record",
            "raised_at",
            "acknowledged_at",
            "acknowledged_by",
            "note",
        ]
        read_only_fields = fields

    def get_status(self, obj) -> str:
        return "open" if obj.is_open else "acknowledged"

    def get_record(self, obj) -> str | None:
        shared = self.context.get("shared", {})
        return str(obj.reference) if obj.reference in shared else None


class AlertQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["open", "acknowledged"], required=False, help_text="Default: both, open first."
    )


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=services.NOTE_MAX,
        validators=[validate_text],
        help_text="What you did. Required; the client can read it in their data export.",
    )


class AlertViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Safety alerts of the therapist's active clients. An alert holds no clinical content:
    who, what raised it, when, and who acknowledged it with what note."""

    serializer_class = AlertSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"

    def get_queryset(self):
        return selectors.alerts_for_therapist(self.request.user)

    def _serialize(self, alerts, *, many: bool = False):
        rows = list(alerts) if many else [alerts]
        context = {**self.get_serializer_context(), "shared": shared_record_urls(rows)}
        return AlertSerializer(alerts, context=context, many=many).data

    @extend_schema(parameters=[AlertQuerySerializer])
    def list(self, request, *args, **kwargs):
        people = versions.clients_of(request.user)
        return versions.cached_api(request, lambda: self._list(request), people)

    def _list(self, request):
        query = query_params(AlertQuerySerializer, request)
        page = self.paginate_queryset(
            selectors.alerts_for_therapist(request.user, status=query.get("status"))
        )
        return self.get_paginated_response(self._serialize(page, many=True))

    @extend_schema(
        request=AcknowledgeSerializer,
        responses={
            200: AlertSerializer,
            400: OpenApiResponse(description="The note is missing or too long."),
            404: OpenApiResponse(description="No such alert among yours."),
            409: inline_serializer(
                "AlertAlreadyAcknowledged",
                {"detail": serializers.CharField(), "alert": AlertSerializer()},
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, public_id=None):
        """Close an open alert with a note on what you did; an alert acknowledged already
        answers 409 and is not changed."""
        alert = selectors.get_alert_for_user(request.user, public_id)
        body = AcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            alert = services.acknowledge(
                alert=alert, therapist=request.user, note=body.validated_data["note"]
            )
        except services.AlreadyAcknowledged as exc:
            return Response(
                {
                    "detail": "This alert was already acknowledged.",
                    "alert": self._serialize(exc.alert),
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(self._serialize(alert))
