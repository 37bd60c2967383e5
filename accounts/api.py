from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import User


class MeSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "timezone"]
        read_only_fields = fields


class MeView(APIView):
    """Who is signed in, with their role."""

    serializer_class = MeSerializer

    def get(self, request):
        return Response(MeSerializer(request.user).data)
