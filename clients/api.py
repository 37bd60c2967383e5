"""The records API: journal, lifestyle, social activity, people, sharing defaults, feedback,
the therapist's timeline, export and erasure.

The client writes their own records; a therapist reads those their active clients share
(always naming the client, so that each request is one audit row) and leaves feedback.
"""

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as account_services
from accounts import versions
from accounts.api import query_params
from accounts.clock import local_today
from accounts.models import AuditAction, CareRelationship, CareStatus, Role, User
from accounts.policy import Access, care_relationships_visible_to, get_client_for_user
from accounts.representation import QuickRead
from accounts.validators import validate_text
from homework.api import CompletionSerializer
from homework.markdown import render
from homework.models import Assignment, Completion
from safety.crisis import crisis_payload
from safety.serializers import CrisisSerializer

from . import idempotency, selectors, services
from .export import export_zip
from .models import (
    LIFESTYLE_LOG_FIELDS,
    RECORD_MODELS,
    SHORT_TEXT_MAX,
    TAG_MAX,
    TAGS_MAX,
    Feedback,
    JournalEntry,
    LifestyleLog,
    Person,
    SocialActivity,
)

# --- Serializers ---------------------------------------------------------------------


def tag_list(help_text: str):
    return serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX, validators=[validate_text]),
        max_length=TAGS_MAX,
        required=False,
        help_text=help_text,
    )


class CompletedSerializer(QuickRead, serializers.Serializer):
    assignment = serializers.UUIDField(source="assignment.public_id")
    title = serializers.CharField(source="assignment.title")
    completion = serializers.UUIDField(source="public_id")
    due_date = serializers.DateField()


class RecordSerializer(QuickRead, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    client = serializers.UUIDField(source="client.public_id", read_only=True)
    completes = CompletedSerializer(
        source="completions_made",
        many=True,
        read_only=True,
        help_text="The homework this record completed, by its rule or because the client "
        "chose it. POST .../unlink/ undoes one.",
    )

    RECORD_FIELDS = [
        "id",
        "client",
        "shared",
        "first_viewed_at",
        "created_at",
        "updated_at",
        "completes",
    ]
    RECORD_READ_ONLY = ["first_viewed_at", "created_at", "updated_at"]


class ClientDateTimeField(serializers.DateTimeField):
    """A moment. One given without a zone or offset is read in the signed-in client's own
    time zone, never as UTC, so that it lands on the day the client meant. An aware moment is
    written as DRF's field writes it (`accounts.representation` relies on it)."""

    aware_as_drf = True

    def enforce_timezone(self, value):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if timezone.is_naive(value) and user is not None and user.is_authenticated:
            value = timezone.make_aware(value, user.zone)
            if not _exists(value):  # a twice-occurring time reads as its first occurrence
                self.fail("make_aware", timezone=user.zone)
        return super().enforce_timezone(value)


def _exists(value) -> bool:
    """False for a wall-clock time skipped by a change to summer time."""
    return value.astimezone(UTC).astimezone(value.tzinfo).replace(tzinfo=None) == value.replace(
        tzinfo=None
    )


class JournalEntrySerializer(RecordSerializer):
    occurred_at = ClientDateTimeField(
        required=False,
        help_text="When it happened; now if left out. Without an offset it is read in the "
        "client's own time zone.",
    )
    emotions = tag_list(
        "Standard ones (calm, joy, sadness, anxiety, anger, shame, loneliness, "
        "hope) or the client's own words."
    )
    triggers = tag_list("Free tags; see /api/v1/trigger-suggestions/.")
    text_html = serializers.SerializerMethodField()
    completion = serializers.UUIDField(
        source="completion.public_id",
        read_only=True,
        default=None,
        allow_null=True,
        help_text="One homework completion this entry counts for (see `completes` for all); "
        "null when none.",
    )
    assignment = serializers.UUIDField(
        write_only=True,
        required=False,
        help_text="A journaling assignment of yours that this entry completes (on create).",
    )

    class Meta:
        model = JournalEntry
        fields = [
            *RecordSerializer.RECORD_FIELDS,
            "occurred_at",
            "recalled",
            "text",
            "text_html",
            "mood",
            "emotions",
            "triggers",
            "needed",
            "needs_help",
            "assignment",
            "completion",
        ]
        read_only_fields = [*RecordSerializer.RECORD_READ_ONLY, "recalled"]
        extra_kwargs = {
            "shared": {"required": False},
            "needs_help": {
                "required": False,
                "help_text": '"I need help now". Setting it (on create, or from false to true) '
                "tells each active therapist that the client asked for help, not what they "
                "wrote unless the entry is shared. The app should then show the crisis "
                "resources (/help-now/): Tandem is not watched around the clock.",
            },
        }

    def get_text_html(self, obj) -> str:
        return str(render(obj.text))


class JournalEntrySavedSerializer(JournalEntrySerializer):
    """The answer to a create or edit: the entry, and after a call for help where to find
    help now and what, if anything, was left out to save it."""

    crisis = CrisisSerializer(
        read_only=True,
        allow_null=True,
        help_text="Set when the entry asks for help: show these resources now. Null otherwise.",
    )
    not_saved = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        help_text="A call for help is saved whatever else is wrong: the fields left out to "
        "save it, with why. Empty when everything was saved.",
    )

    class Meta(JournalEntrySerializer.Meta):
        fields = [*JournalEntrySerializer.Meta.fields, "crisis", "not_saved"]


class LifestyleLogSerializer(RecordSerializer):
    class Meta:
        model = LifestyleLog
        fields = [
            *RecordSerializer.RECORD_FIELDS,
            "day",
            *LIFESTYLE_LOG_FIELDS,
        ]
        read_only_fields = RecordSerializer.RECORD_READ_ONLY
        extra_kwargs = {
            "day": {"required": False, "help_text": "The client's local day; default today."},
            "shared": {"required": False},
            "sleep_hours": {"coerce_to_string": False},
            "alcohol_units": {"coerce_to_string": False},
        }


class SocialActivitySerializer(RecordSerializer):
    person = serializers.UUIDField(
        source="person.public_id",
        required=False,
        allow_null=True,
        help_text="Someone from your own list (/api/v1/people/).",
    )
    person_name = serializers.CharField(
        source="person.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = SocialActivity
        fields = [
            *RecordSerializer.RECORD_FIELDS,
            "day",
            "person",
            "person_name",
            "mode",
            "minutes",
            "feeling",
            "support",
            "note",
        ]
        read_only_fields = RecordSerializer.RECORD_READ_ONLY
        extra_kwargs = {"day": {"required": False}, "shared": {"required": False}}


class ClientPersonSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "kind", "support", "created_at"]
        read_only_fields = ["created_at"]


class SharingSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    therapist = serializers.CharField(source="therapist.name", read_only=True)
    share_by_default = serializers.BooleanField(
        help_text="New records start shared when every active therapist has this on; a "
        "shared record is seen by all your active therapists."
    )

    class Meta:
        model = CareRelationship
        fields = ["id", "therapist", "status", "share_by_default"]
        read_only_fields = ["status"]

    def to_representation(self, instance):
        preference = getattr(instance, "sharing_preference", None)
        instance.share_by_default = bool(preference and preference.share_by_default)
        return super().to_representation(instance)


class FeedbackSerializer(QuickRead, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    author = serializers.CharField(source="author.name", read_only=True)
    from_therapist = serializers.SerializerMethodField()

    class Meta:
        model = Feedback
        fields = ["id", "author", "from_therapist", "text", "created_at"]
        read_only_fields = fields

    def get_from_therapist(self, obj) -> bool:
        return obj.author_id != obj.client_id


class UnreadReplySerializer(QuickRead, serializers.Serializer):
    """A reply in a thread on one of your records that you have not opened yet."""

    id = serializers.UUIDField(source="feedback_id", help_text="The feedback's id.")
    author = serializers.CharField(source="author_name", help_text="Who wrote it.")
    created_at = serializers.DateTimeField()
    record_kind = serializers.ChoiceField(choices=list(selectors.RECORD_KIND_LABELS.items()))
    record = serializers.UUIDField(source="record_id", help_text="The record's id.")
    record_day = serializers.DateField(help_text="The record's day, in your time zone.")


class FeedbackQuerySerializer(serializers.Serializer):
    record = serializers.UUIDField(help_text="A journal entry, lifestyle log or social activity.")


class FeedbackCreateSerializer(FeedbackQuerySerializer):
    text = serializers.CharField(max_length=SHORT_TEXT_MAX, validators=[validate_text])


class RecordQuerySerializer(serializers.Serializer):
    client = serializers.UUIDField(
        required=False, help_text="Required for a therapist: whose shared records to list."
    )
    shared = serializers.BooleanField(required=False, allow_null=True, default=None)
    to = serializers.DateField(required=False, help_text="On or before this local day.")

    def get_fields(self):
        return {
            **super().get_fields(),
            "from": serializers.DateField(required=False, help_text="On or after this local day."),
        }

    def validate(self, attrs):
        low, high = selectors.FILTER_DAYS
        for name in ("from", "to"):
            if name in attrs and not low <= attrs[name] <= high:
                raise ValidationError({name: [f"Give a day between {low} and {high}."]})
        if "from" in attrs and "to" in attrs and attrs["to"] < attrs["from"]:
            raise ValidationError({"to": ["Must not be before 'from'."]})
        return attrs


class TimelineQuerySerializer(RecordQuerySerializer):
    client = serializers.UUIDField(help_text="One of your active clients.")
    kind = serializers.MultipleChoiceField(
        choices=selectors.TimelineKind.choices, required=False, help_text="Default: all kinds."
    )


class TimelineItemSerializer(QuickRead, serializers.Serializer):
    kind = serializers.ChoiceField(choices=selectors.TimelineKind.choices)
    day = serializers.DateField()
    at = serializers.DateTimeField()
    record = serializers.SerializerMethodField()

    def get_record(self, item) -> dict:
        # One serializer of each kind for the whole list (`many=True` shares this one): DRF
        # builds a serializer's fields once per instance, most of what a new one per item cost.
        made = self.__dict__.setdefault("_record_serializers", {})
        if item.kind not in made:
            made[item.kind] = {
                "journal": JournalEntrySerializer,
                "lifestyle": LifestyleLogSerializer,
                "social": SocialActivitySerializer,
                "completion": CompletionSerializer,
            }[item.kind]()
        return made[item.kind].to_representation(item.record)


class TimelineSerializer(serializers.Serializer):
    client = serializers.UUIDField()
    week_counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Per kind, this ISO week."
    )
    items = TimelineItemSerializer(many=True)


class UnlinkSerializer(serializers.Serializer):
    assignment = serializers.UUIDField(help_text="The homework this record is not for.")


class ErasureSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})


class TriggerSuggestionsSerializer(serializers.Serializer):
    triggers = serializers.ListField(child=serializers.CharField())


class GoneSerializer(serializers.Serializer):
    detail = serializers.CharField()


# The Idempotency-Key header on record creation (clients.idempotency).
IDEMPOTENCY_PARAMETERS = [
    OpenApiParameter(
        idempotency.HEADER,
        str,
        OpenApiParameter.HEADER,
        pattern=idempotency.KEY_PATTERN,
        description="A key of your own making, unique per request, such as a UUID "
        f"({idempotency.KEY_MIN} to {idempotency.KEY_MAX} visible ASCII characters). Sent "
        "again with the same request (a retry), it answers as the first time and makes no "
        "second record; with another request, 409. Keys are yours alone and kept "
        f"{idempotency.KEEP_DAYS} days. A request that fails keeps no key: put it right and "
        "send it again with the same key.",
    ),
    OpenApiParameter(
        idempotency.REPLAYED_HEADER,
        str,
        OpenApiParameter.HEADER,
        enum=["true"],
        response=[201, 410],
        description="Set when this is the answer to an earlier request with the same "
        "Idempotency-Key: nothing new was made.",
    ),
]
IDEMPOTENCY_RESPONSES = {
    409: OpenApiResponse(description="This Idempotency-Key was used for another request."),
    410: OpenApiResponse(
        GoneSerializer,
        description="This Idempotency-Key's request was carried out before, and the record it "
        "made has since been deleted. Nothing new was made.",
    ),
}


# --- Records -------------------------------------------------------------------------


class RecordViewSet(viewsets.ModelViewSet):
    """Shared behaviour: the client writes, a therapist reads one client's shared records;
    each read by a therapist is one audit row and marks first views."""

    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_access = {
        "create": Access.CLIENT,
        "partial_update": Access.CLIENT,
        "destroy": Access.CLIENT,
        "unlink": Access.CLIENT,
    }
    model: type = JournalEntry
    what: str = ""
    date_field = "day"

    def get_queryset(self):
        return (
            self.model.objects.visible_to(self.request.user)
            .select_related("client")
            .prefetch_related(
                Prefetch("completions", Completion.objects.select_related("assignment"))
            )
        )

    def _filtered(self, queryset, query: dict):
        user = self.request.user
        client = user
        if user.role != Role.CLIENT:
            if "client" not in query:
                raise ValidationError({"client": ["Say whose records to list."]})
            client = get_client_for_user(user, query["client"])
        queryset = queryset.filter(client=client)
        if query.get("shared") is not None:
            queryset = queryset.filter(shared=query["shared"])
        for name, lookup in (("from", "gte"), ("to", "lte")):
            if name in query:
                queryset = self._date_filter(queryset, lookup, query[name], client)
        return queryset, client

    def _date_filter(self, queryset, lookup: str, day, client: User):
        return queryset.filter(**{f"{self.date_field}__{lookup}": day})

    @extend_schema(parameters=[RecordQuerySerializer])
    def list(self, request, *args, **kwargs):
        return versions.cached_api(request, lambda: self._list(request))

    def _list(self, request):
        queryset, client = self._filtered(
            self.get_queryset(), query_params(RecordQuerySerializer, request)
        )
        page = self.paginate_queryset(queryset.prefetch_related(None))
        selectors.read_completions_made(page)
        account_services.records_viewed(viewer=request.user, client=client, what=self.what)
        services.mark_viewed(viewer=request.user, records=page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        account_services.records_viewed(viewer=request.user, client=record.client, what=self.what)
        services.record_opened(therapist=request.user, record=record)
        return Response(self.get_serializer(record).data)

    def _fresh(self, record, code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data, code)

    def _sharing_only(self, record, fields: dict) -> Response | None:
        """A change of sharing alone is always allowed, however old the record."""
        if set(fields) == {"shared"}:
            return self._fresh(services.record_sharing_set(record=record, shared=fields["shared"]))
        return None

    def destroy(self, request, *args, **kwargs):
        services.record_delete(record=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _idempotent(self, request, make) -> Response:
        """`make(request)` once per Idempotency-Key: the claim, the record and what it made
        commit together, or none of them does (clients.idempotency)."""
        key = idempotency.key_of(request)
        if key is None:
            return make(request)
        with transaction.atomic():
            done = idempotency.claim(
                user=request.user, key=key, fingerprint=idempotency.fingerprint(request)
            )
            if done is not None:
                return self._replayed(done)
            response = make(request)
            idempotency.complete(
                user=request.user,
                key=key,
                status_code=response.status_code,
                record_id=response.data["id"],
                not_saved=response.data.get("not_saved") or {},
            )
        return response

    def _replayed(self, done: idempotency.Done) -> Response:
        record = self.get_queryset().filter(public_id=done.record_id).first()
        if record is None:
            response = Response({"detail": idempotency.RECORD_GONE}, status.HTTP_410_GONE)
        else:
            response = self._made(record, done)
        response[idempotency.REPLAYED_HEADER] = "true"
        return response

    def _made(self, record, done: idempotency.Done) -> Response:
        return self._fresh(record, done.status_code)

    @extend_schema(request=UnlinkSerializer, responses={200: None})
    @action(detail=True, methods=["post"])
    def unlink(self, request, *args, **kwargs):
        """This record is not for that homework: what it completed there is undone (a
        check-off ticked by hand stays) and that homework's rule leaves it alone from now
        on. 409 when the record did not complete it."""
        record = self.get_object()
        serializer = UnlinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = get_object_or_404(
            Assignment.objects.visible_to(request.user),
            public_id=serializer.validated_data["assignment"],
        )
        services.record_unlink(record=record, assignment=assignment)
        return self._fresh(record)


class JournalEntryViewSet(RecordViewSet):
    """Journal entries: mood 0 to 10, emotions, triggers, text (safe Markdown subset)."""

    serializer_class = JournalEntrySerializer
    model = JournalEntry
    what = "journal"
    date_field = "occurred_at"

    def _date_filter(self, queryset, lookup, day, client):
        if lookup == "gte":
            return queryset.filter(occurred_at__gte=datetime.combine(day, time.min, client.zone))
        end = datetime.combine(day + timedelta(days=1), time.min, client.zone)
        return queryset.filter(occurred_at__lt=end)

    def _validated(self, data, instance=None) -> tuple[dict, dict]:
        """The valid fields of the body. A call for help is never refused for the rest: the
        fields that do not validate are left out and returned with their messages."""
        serializer = self.get_serializer(instance, data=data, partial=instance is not None)
        if serializer.is_valid():
            return dict(serializer.validated_data), {}
        if not asks_for_help(data):
            raise ValidationError(serializer.errors)
        left_out = {name: [str(m) for m in errors] for name, errors in serializer.errors.items()}
        kept = data.copy()  # a dict or a QueryDict, lists kept
        for name in left_out:
            kept.pop(name, None)
        serializer = self.get_serializer(instance, data=kept, partial=instance is not None)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data), left_out

    def _saved(self, entry, left_out: dict, code=status.HTTP_200_OK) -> Response:
        data = JournalEntrySavedSerializer(self.get_queryset().get(pk=entry.pk)).data
        data["not_saved"] = {**left_out, **entry.not_saved}
        data["crisis"] = crisis_payload(entry.client) if entry.needs_help else None
        return Response(data, code)

    @extend_schema(
        request=JournalEntrySerializer,
        parameters=IDEMPOTENCY_PARAMETERS,
        responses={201: JournalEntrySavedSerializer, **IDEMPOTENCY_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        if not asks_for_help(request.data):
            return self._idempotent(request, self._create)
        # A call for help is saved and alerted whatever is wrong with its key: a malformed
        # key, or one used for another request, is left out and named in `not_saved`.
        try:
            idempotency.key_of(request)
            return self._idempotent(request, self._create)
        except ValidationError:
            problem = idempotency.BAD_KEY
        except idempotency.KeyReused:
            problem = idempotency.OTHER_REQUEST
        response = self._create(request)
        response.data["not_saved"][idempotency.HEADER] = [problem]
        return response

    def _made(self, record, done: idempotency.Done) -> Response:
        record.not_saved = {}
        return self._saved(record, done.not_saved, done.status_code)

    def _create(self, request) -> Response:
        fields, left_out = self._validated(request.data)
        assignment = None
        if assignment_id := fields.pop("assignment", None):
            assignment = (
                Assignment.objects.visible_to(request.user)
                .prefetch_related("pauses")
                .filter(public_id=assignment_id)
                .first()
            )
            if assignment is None:
                if not fields.get("needs_help"):
                    raise ValidationError({"assignment": ["There is no such assignment."]})
                left_out["assignment"] = ["There is no such assignment."]
        entry = services.journal_create(client=request.user, assignment=assignment, **fields)
        return self._saved(entry, left_out, status.HTTP_201_CREATED)

    @extend_schema(request=JournalEntrySerializer, responses={200: JournalEntrySavedSerializer})
    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        fields, left_out = self._validated(request.data, entry)
        if "assignment" in fields:
            message = ["An entry is linked to homework when made."]
            if not fields.get("needs_help"):
                raise ValidationError({"assignment": message})
            del fields["assignment"]
            left_out["assignment"] = message
        if response := self._sharing_only(entry, fields):
            return response
        entry = services.journal_update(entry=entry, **fields)
        return self._saved(entry, left_out)


def asks_for_help(data) -> bool:
    """True when a body sets "I need help now", in any spelling a boolean field accepts."""
    try:
        return serializers.BooleanField().to_internal_value(data.get("needs_help")) is True
    except (serializers.ValidationError, AttributeError, TypeError):
        return False


class LifestyleLogViewSet(RecordViewSet):
    """One lifestyle log per local day; saving it completes lifestyle homework it meets."""

    serializer_class = LifestyleLogSerializer
    model = LifestyleLog
    what = "lifestyle"

    @extend_schema(
        parameters=IDEMPOTENCY_PARAMETERS,
        responses={201: LifestyleLogSerializer, **IDEMPOTENCY_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        return self._idempotent(request, self._create)

    def _create(self, request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        log = services.lifestyle_create(client=request.user, **serializer.validated_data)
        return self._fresh(log, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        log = self.get_object()
        serializer = self.get_serializer(log, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        if "day" in fields and fields["day"] != log.day:
            raise ValidationError({"day": ["The day of a log cannot change."]})
        if response := self._sharing_only(log, fields):
            return response
        log = services.lifestyle_update(log=log, **fields)
        return self._fresh(log)


class SocialActivityViewSet(RecordViewSet):
    """Time with people: with whom (from the client's list), how, how long, how it felt."""

    serializer_class = SocialActivitySerializer
    model = SocialActivity
    what = "social"

    def get_queryset(self):
        return super().get_queryset().select_related("person")

    def _fields(self, validated: dict) -> dict:
        fields = dict(validated)
        if "person" in fields:
            person_id = (fields.pop("person") or {}).get("public_id")
            person = None
            if person_id is not None:
                # Through the policy: another client's person is "no such person".
                person = (
                    Person.objects.visible_to(self.request.user).filter(public_id=person_id).first()
                )
                if person is None:
                    raise ValidationError({"person": ["There is no such person in your list."]})
            fields["person"] = person
        return fields

    @extend_schema(
        parameters=IDEMPOTENCY_PARAMETERS,
        responses={201: SocialActivitySerializer, **IDEMPOTENCY_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        return self._idempotent(request, self._create)

    def _create(self, request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = services.social_create(
            client=request.user,
            **self._fields(serializer.validated_data),
        )
        return self._fresh(activity, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        activity = self.get_object()
        serializer = self.get_serializer(activity, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if response := self._sharing_only(activity, serializer.validated_data):
            return response
        activity = services.social_update(
            activity=activity, **self._fields(serializer.validated_data)
        )
        return self._fresh(activity)


class PersonViewSet(viewsets.ModelViewSet):
    """The client's own list of people; nobody else sees it."""

    serializer_class = ClientPersonSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Person.objects.visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.person_create(
            client=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.person_update(
            person=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.person_delete(person=instance)


class SharingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Per care relationship: are new records shared with this therapist by default?"""

    serializer_class = SharingSerializer
    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return (
            care_relationships_visible_to(self.request.user)
            .filter(status=CareStatus.ACTIVE)
            .select_related("therapist", "sharing_preference")
        )

    def perform_update(self, serializer):
        if "share_by_default" not in serializer.validated_data:
            return  # an empty PATCH changes nothing
        services.sharing_default_set(
            client=self.request.user,
            relationship=serializer.instance,
            share_by_default=serializer.validated_data["share_by_default"],
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


# --- Feedback, timeline, suggestions ------------------------------------------------


class FeedbackView(APIView):
    """The thread on one shared record: the therapist leaves feedback, the client replies."""

    @extend_schema(parameters=[FeedbackQuerySerializer], responses=FeedbackSerializer(many=True))
    def get(self, request):
        record = selectors.get_record_for_user(
            request.user, query_params(FeedbackQuerySerializer, request)["record"]
        )
        account_services.records_viewed(viewer=request.user, client=record.client, what="feedback")
        thread = selectors.feedback_thread(viewer=request.user, record=record)
        if record.client_id == request.user.pk:
            # The client reads the thread: its replies are read, as when the portal opens it.
            services.feedback_mark_read(client=request.user, record=record, thread=thread)
        return Response(FeedbackSerializer(thread, many=True).data)

    @extend_schema(request=FeedbackCreateSerializer, responses={201: FeedbackSerializer})
    def post(self, request):
        serializer = FeedbackCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = selectors.get_record_for_user(request.user, serializer.validated_data["record"])
        feedback = services.feedback_create(
            author=request.user, record=record, text=serializer.validated_data["text"]
        )
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)


class UnreadRepliesView(generics.ListAPIView):
    """Replies on your records you have not read yet, newest first. Reading a record's
    thread (GET feedback/?record=…) reads them."""

    serializer_class = UnreadReplySerializer

    def get_queryset(self):
        return selectors.unread_reply_rows(client=self.request.user)

    def list(self, request, *args, **kwargs):
        return versions.cached_api(request, lambda: self._list(request))

    def _list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        replies = selectors.as_unread_replies(page, zone=request.user.zone)
        return self.get_paginated_response(self.get_serializer(replies, many=True).data)


class FeedbackNoReplyNeededView(APIView):
    """Mark the client's reply that waits on a record as needing no reply: it no longer
    waits for you. 409 when no reply waits (answered, or marked already)."""

    @extend_schema(request=FeedbackQuerySerializer, responses={200: FeedbackSerializer})
    def post(self, request):
        serializer = FeedbackQuerySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = selectors.get_record_for_user(request.user, serializer.validated_data["record"])
        reply = services.reply_no_reply_needed(therapist=request.user, record=record)
        return Response(FeedbackSerializer(reply).data)


class TimelineView(APIView):
    """One client's shared records and completed homework, newest first."""

    @extend_schema(parameters=[TimelineQuerySerializer], responses=TimelineSerializer)
    def get(self, request):
        query = query_params(TimelineQuerySerializer, request)
        client = get_client_for_user(request.user, query["client"])
        account_services.records_viewed(viewer=request.user, client=client, what="timeline")
        # From the cache only while nothing changed, so nothing new to mark viewed either.
        return versions.cached_api(request, lambda: self._get(request, query, client), [client])

    def _get(self, request, query: dict, client: User):
        return Response(
            timeline_answer(
                viewer=request.user,
                client=client,
                kinds=tuple(query.get("kind") or selectors.TIMELINE_KINDS),
                start=query.get("from"),
                end=query.get("to"),
            )
        )


# What each kind's part of a timeline answer shows (`accounts.versions.PART_KINDS`): a
# record, the homework it completed; a check-off, its homework. The week's counts, every kind.
TIMELINE_PARTS = {
    "journal": ("journal", "homework"),
    "lifestyle": ("lifestyle", "homework"),
    "social": ("social", "homework"),
    "completion": ("homework",),
}
WEEK_PART = ("journal", "lifestyle", "social", "homework")


def timeline_answer(
    *, viewer: User, client: User, kinds: tuple[str, ...], start=None, end=None
) -> dict:
    """The timeline API's answer (`TimelineSerializer`), and the viewer's first views of
    what it shows. Each kind's newest records, and the items of them already written, are
    kept in the page cache by the versions of what they show (`TIMELINE_PARTS`; one read
    for every kind): after a journal entry, only the journal's newest are found again, and
    only items not written yet are read and written."""
    limit = selectors.TIMELINE_LIMIT
    kinds = tuple(kind for kind in selectors.TIMELINE_DATES if kind in kinds)
    today = local_today(client.timezone)
    keys = versions.part_keys(
        "timeline",
        {viewer, client},
        {"week": WEEK_PART, **{kind: TIMELINE_PARTS[kind] for kind in kinds}},
        viewer.pk,
        client.pk,
        client.timezone,
        timezone.get_current_timezone_name(),  # the zone its moments are written in
        today,
        start,
        end,
        limit,
    )
    found = versions.read_many(keys.values())
    parts = {name: found.get(key) for name, key in keys.items()}
    changed = {name for name, part in parts.items() if part is None}
    if parts["week"] is None:
        parts["week"] = selectors.timeline_week_counts(viewer=viewer, client=client, today=today)
    if missing := tuple(kind for kind in kinds if parts[kind] is None):
        newest = selectors.timeline_newest(
            viewer=viewer, client=client, kinds=missing, start=start, end=end, limit=limit
        )
        for kind in missing:
            parts[kind] = {"newest": newest[kind], "items": {}}
    items = selectors.timeline_items(
        {kind: parts[kind]["newest"] for kind in kinds}, zone=client.zone, limit=limit
    )
    if unwritten := [item for item in items if item.record not in parts[item.kind]["items"]]:
        changed |= {item.kind for item in unwritten}
        for kind, pk, written in _written_items(viewer, client, unwritten):
            parts[kind]["items"][pk] = written
    if changed:
        versions.write_many({keys[name]: parts[name] for name in changed})
    shown = [(item.kind, item.record, parts[item.kind]["items"].get(item.record)) for item in items]
    # A record deleted between the reads is left out.
    shown = [(kind, pk, written) for kind, pk, written in shown if written is not None]
    unviewed: dict[type, list[int]] = {}
    for kind, pk, written in shown:
        if kind != "completion" and written["record"]["first_viewed_at"] is None:
            unviewed.setdefault(RECORD_MODELS[kind], []).append(pk)
    services.mark_ids_viewed(viewer=viewer, ids=unviewed)
    return {
        "client": str(client.public_id),
        "week_counts": {kind: int(count) for kind, count in parts["week"].items()},
        "items": [written for _, _, written in shown],
    }


def _written_items(viewer: User, client: User, items: list) -> list[tuple]:
    """(kind, record id, the item as the API writes it) for each of these items (each
    holding its record's id) whose record is still there. What the records show is read for
    all of them at once."""
    records = selectors.timeline_records(viewer=viewer, client=client, items=items)
    found = []
    for item in items:
        record = records.get((item.kind, item.record))
        if record is not None:
            record.client = client  # the one asked for
            found.append(replace(item, record=record))
    selectors.read_completions_made([item.record for item in found if item.kind != "completion"])
    # Not given to the serializer, which refers to itself (its fields, its child): what it
    # held would wait for the garbage collector rather than go with the request.
    written = TimelineItemSerializer(many=True).to_representation(found)
    return [(item.kind, item.record.pk, data) for item, data in zip(found, written, strict=True)]


class TriggerSuggestionsView(APIView):
    """The client's own earlier triggers, most used first."""

    @extend_schema(responses=TriggerSuggestionsSerializer)
    def get(self, request):
        return Response({"triggers": selectors.trigger_suggestions(client=request.user)})


# --- Export and erasure -------------------------------------------------------------


class ExportView(APIView):
    """Everything Tandem holds about you: a zip with one JSON file and a CSV per kind."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request):
        body = export_zip(request.user)
        account_services.audit(action=AuditAction.EXPORT, actor=request.user, subject=request.user)
        response = HttpResponse(body, content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="tandem-export.zip"'
        response["Cache-Control"] = "no-store"
        return response


class ErasureView(APIView):
    """Erase your account and everything in it, after your password is checked again."""

    @extend_schema(
        request=ErasureSerializer,
        responses={204: OpenApiResponse(description="Erased; you are signed out.")},
    )
    def post(self, request):
        serializer = ErasureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.account_erase(client=request.user, password=serializer.validated_data["password"])
        # The account is gone: end the session without the sign-out audit (it has no actor).
        request._request.session.flush()
        return Response(status=status.HTTP_204_NO_CONTENT)
