"""The crisis object of the API: one shape wherever a call for help is answered."""

from rest_framework import serializers


class ResourceSerializer(serializers.Serializer):
    name = serializers.CharField()
    detail = serializers.CharField()
    phone = serializers.CharField()
    url = serializers.CharField()
    country = serializers.CharField(
        help_text="ISO 3166 country code the resource is for; empty when it is for everyone."
    )


class CrisisSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="The crisis page: where to find help right now.")
    therapist_told = serializers.BooleanField(
        help_text="An open safety alert reaches at least one therapist in active care."
    )
    resources = ResourceSerializer(
        many=True,
        help_text="Where to find help now, as this deployment configures it: the client's "
        "country's first (from their time zone), then those for everyone.",
    )
