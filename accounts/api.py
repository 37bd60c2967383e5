from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services, versions
from .models import CareRelationship, CareStatus, User
from .policy import care_relationships_visible_to, clients_visible_to
from .representation import QuickRead


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        "example": "18:30",
        "description": "A local time of day, HH:MM (HH:MM:SS is accepted on input).",
    }
)
class LocalTimeField(serializers.TimeField):
    """A local time of day, the same way everywhere in the API: "HH:MM" out, "HH:MM" or
    "HH:MM:SS" in (seconds are dropped: nothing is scheduled to the second)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        return super().to_internal_value(value).replace(second=0, microsecond=0)


def query_params(serializer_class, request) -> dict:
    """The validated query string; a bad value is a 400 naming the parameter."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class MeSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "timezone"]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]
        read_only_fields = fields


class ClientSerializer(QuickRead, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "name", "timezone"]
        read_only_fields = fields


class InvitationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    email = serializers.EmailField(source="invited_email", max_length=254)

    class Meta:
        model = CareRelationship
        fields = ["id", "email", "status", "invited_at", "invitation_expires_at"]
        read_only_fields = ["id", "status", "invited_at", "invitation_expires_at"]


class RelationshipSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    therapist = PersonSerializer(read_only=True)
    client = PersonSerializer(read_only=True, allow_null=True)
    client_left = serializers.BooleanField(
        read_only=True, help_text="The client erased their account; the row names nobody."
    )

    class Meta:
        model = CareRelationship
        fields = ["id", "status", "therapist", "client", "client_left", "activated_at", "ended_at"]
        read_only_fields = fields


class MeView(APIView):
    """Who is signed in, with their role."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class ClientViewSet(viewsets.ReadOnlyModelViewSet):
    """A therapist's active clients."""

    serializer_class = ClientSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"

    def get_queryset(self):
        return clients_visible_to(self.request.user).order_by("name", "email")

    def list(self, request, *args, **kwargs):
        parent = super().list
        people = versions.clients_of(request.user)
        return versions.cached_api(request, lambda: parent(request, *args, **kwargs), people)


class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A therapist's pending invitations: create one, list them, withdraw one."""

    serializer_class = InvitationSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"

    def get_queryset(self):
        return care_relationships_visible_to(self.request.user).filter(status=CareStatus.INVITED)

    def perform_create(self, serializer):
        serializer.instance = services.invitation_create(
            therapist=self.request.user, email=serializer.validated_data["invited_email"]
        )

    def perform_destroy(self, instance):
        services.invitation_revoke(actor=self.request.user, relationship=instance)


class RelationshipViewSet(viewsets.ReadOnlyModelViewSet):
    """Care relationships seen from either side; either side may end one."""

    serializer_class = RelationshipSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"

    def get_queryset(self):
        return care_relationships_visible_to(self.request.user).select_related(
            "therapist", "client"
        )

    @extend_schema(request=None, responses=RelationshipSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, public_id=None):
        relationship = self.get_object()
        relationship = services.relationship_end(actor=request.user, relationship=relationship)
        return Response(RelationshipSerializer(relationship).data, status=status.HTTP_200_OK)
