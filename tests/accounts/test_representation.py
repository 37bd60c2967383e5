"""`QuickRead` writes what DRF's own `Serializer.to_representation` writes: the same JSON
from every API list it serves, and the same value for every kind of field it writes itself,
in any time zone, with values missing or of another type than the field's."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
import time_machine
from django.utils import timezone
from rest_framework import serializers

from accounts import versions
from accounts.representation import _SHARED, QuickRead, _plan
from clients import services
from clients.api import (
    ClientDateTimeField,
    JournalEntrySerializer,
    LifestyleLogSerializer,
    SocialActivitySerializer,
)
from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework import services as homework_services
from homework.api import AssignmentSerializer, CompletionSerializer
from homework.models import Assignment, Completion, HomeworkTemplate
from tests.factories import (
    CarePlanFactory,
    FeedbackFactory,
    JournalEntryFactory,
    MeasureAssignmentFactory,
    MeasureResponseFactory,
    PersonFactory,
    PlanItemFactory,
    SafetyAlertFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def drf(serializer, instance):
    """What DRF itself writes."""
    return serializers.Serializer.to_representation(serializer, instance)


def same(quick: dict, slow: dict) -> bool:
    """The same fields, in the same order, with the same values of the same types (`1 ==
    True` in Python, not in JSON)."""
    return json.dumps(quick, default=repr) == json.dumps(slow, default=repr)


@pytest.fixture
def records(personas):
    """Client A's records of every kind, with and without what can be missing: homework
    completed by an entry and checked off with a note, a person named or not."""
    with time_machine.travel(NOW, tick=False):
        client = personas.client_a
        journal = HomeworkTemplate.objects.get(slug="daily-mood-journal", owner=None)
        homework = homework_services.assignment_create(
            therapist=personas.therapist_a,
            relationship=personas.relationship_a,
            template=journal,
            start_date=date(2026, 11, 16),
        )
        services.journal_create(
            client=client, assignment=homework, text="**Done**", mood=7, shared=True
        )
        services.journal_create(client=client, text="No mood", emotions=["calm", "my own"])
        services.lifestyle_create(client=client, sleep_hours=Decimal("7.5"), shared=True)
        services.social_create(
            client=client, person=PersonFactory(client=client), mode="call", minutes=20
        )
        services.social_create(client=client, mode="in_person", minutes=45, shared=True)
        homework_services.completion_create(
            client=client, assignment=homework, due_date=date(2026, 11, 23), note="Hard"
        )
        relationship = personas.relationship_a
        SafetyAlertFactory(relationship=relationship)
        SafetyAlertFactory(
            relationship=relationship,
            acknowledged_at=NOW,
            acknowledged_by=personas.therapist_a,
            note="Called her",
        )
        MeasureResponseFactory(
            assignment=MeasureAssignmentFactory(relationship=relationship), submitted_at=NOW
        )
        feedback = FeedbackFactory(relationship=relationship)
        FeedbackFactory(
            relationship=relationship, author=client, journal_entry=feedback.journal_entry
        )
        plan = CarePlanFactory(relationship=relationship)
        PlanItemFactory(plan=plan, section="goals", review_date=date(2026, 12, 1))
        PlanItemFactory(plan=plan, section="circle", person=PersonFactory(client=client))
    personas.plan = plan.public_id
    personas.record = feedback.journal_entry.public_id
    return personas


LISTS = [
    ("client_a", "/api/v1/journal/"),
    ("client_a", "/api/v1/lifestyle/"),
    ("client_a", "/api/v1/social/"),
    ("client_a", "/api/v1/completions/"),
    ("client_a", "/api/v1/assignments/"),
    ("therapist_a", "/api/v1/templates/"),  # the shared library's
    ("therapist_a", "/api/v1/timeline/?client={client}"),
    ("client_a", "/api/v1/progress/series/?range=1y"),
    ("therapist_a", "/api/v1/clients/"),
    ("therapist_a", "/api/v1/alerts/"),
    ("client_a", "/api/v1/measure-responses/"),
    ("client_a", "/api/v1/replies/unread/"),
    ("therapist_a", "/api/v1/feedback/?record={record}"),
    ("client_a", "/api/v1/plans/{plan}/"),
    ("therapist_a", "/api/v1/progress/series/?range=4w&client={client}"),
]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
@pytest.mark.parametrize(("who", "url"), LISTS)
def test_every_list_reads_as_drf_writes_it(
    client, records, monkeypatch, own_page_cache, who, url, zone
):
    """Each answer is made twice, the page cache emptied before each (a cache of this
    test's own: emptying the shared one would empty other tests')."""
    client.force_login(getattr(records, who))
    url = url.format(client=records.client_a.public_id, plan=records.plan, record=records.record)
    with time_machine.travel(NOW, tick=False), timezone.override(zone):
        # The first read by the therapist marks the records viewed: the next two read them so.
        client.get(url)
        versions.forget_all()
        quick = client.get(url)
        assert quick.status_code == 200, quick.content
        versions.forget_all()
        monkeypatch.setattr(QuickRead, "to_representation", drf)
        slow = client.get(url)
    body = quick.json()
    assert slow.content == quick.content
    items = body if isinstance(body, list) else body.get("results", body.get("items"))
    assert items or body.get("days"), body  # something was compared
    if zone != "UTC" and "timeline" in url:
        assert "-05:00" in quick.content.decode()  # moments in the zone, as DRF writes them


class Moments(QuickRead, serializers.Serializer):
    number = serializers.FloatField()
    moment = serializers.DateTimeField()
    client_moment = ClientDateTimeField()
    fixed = serializers.DateTimeField(format="%Y-%m-%d %H:%M")
    zoned = serializers.DateTimeField(default_timezone=UTC)
    day = serializers.DateField()
    text = serializers.CharField()
    whole = serializers.IntegerField()
    flag = serializers.BooleanField()
    uuid = serializers.UUIDField()
    uuid_hex = serializers.UUIDField(format="hex")


AT = datetime(2026, 11, 25, 12, 30, 15, 250, tzinfo=UTC)
VALUES = [
    {
        "number": 2.5,
        "moment": AT,
        "client_moment": AT,
        "fixed": AT,
        "zoned": AT,
        "day": date(2026, 11, 25),
        "text": "words",
        "whole": 3,
        "flag": True,
        "uuid": UUID(int=7),
        "uuid_hex": UUID(int=7),
    },
    # Values of other types than the field's: DRF writes them.
    {
        "number": 3,
        "moment": "2026-11-25T12:00:00Z",
        "client_moment": datetime(2026, 11, 25, 12, 0),  # naive
        "fixed": AT.astimezone(timezone.get_fixed_timezone(-300)),
        "zoned": AT + timedelta(days=200),
        "day": "2026-11-25",
        "text": 12,
        "whole": True,
        "flag": 1,
        "uuid": "00000000-0000-0000-0000-000000000007",
        "uuid_hex": UUID(int=8),
    },
    dict.fromkeys(
        (
            "number",
            *("moment", "client_moment", "fixed", "zoned", "day", "text", "whole", "flag"),
            "uuid",
        ),
        None,
    )
    | {"uuid_hex": None},
]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York"])
@pytest.mark.parametrize("values", VALUES)
def test_each_kind_of_field_reads_as_drf_writes_it(values, zone):
    with timezone.override(zone):
        serializer = Moments()
        assert same(serializer.to_representation(values), drf(serializer, values))


def test_the_time_zone_is_looked_up_once_per_serializer(monkeypatch):
    """A list's rows are written in the zone of the answer, looked up once (3 µs a time for
    each moment of each row before); another serializer looks it up again."""
    looked_up = []
    default_timezone = serializers.DateTimeField.default_timezone

    def counted(field):
        looked_up.append(field.field_name)
        return default_timezone(field)

    monkeypatch.setattr(serializers.DateTimeField, "default_timezone", counted)
    rows = [VALUES[0] | {"moment": AT + timedelta(hours=hours)} for hours in range(5)]
    with timezone.override("Europe/Paris"):
        serializer = Moments()
        written = [serializer.to_representation(row) for row in rows]
        assert written == [drf(serializer, row) for row in rows]
        assert written[1]["moment"] == "2026-11-25T14:30:15.000250+01:00"
    assert looked_up.count("moment") == 1 + len(rows)  # DRF's own: once a row
    with timezone.override("America/New_York"):
        assert Moments().to_representation(rows[0])["moment"].endswith("-05:00")


def test_what_it_writes_itself_and_what_it_leaves_to_drf():
    kinds = {name: kind for name, _, _, kind, _ in _plan(Moments())[1]}
    assert kinds["fixed"] is None and kinds["zoned"] is None and kinds["uuid_hex"] is None
    assert None not in [
        kinds[name] for name in ("number", "moment", "client_moment", "day", "text", "whole")
    ]


def test_a_models_own_columns_are_read_straight_and_the_rest_through_drf(records):
    columns = {name: column for name, _, column, _, _ in _plan(JournalEntrySerializer())[1]}
    assert columns["id"] == "public_id" and columns["text"] == "text"
    # Through relations, methods and nested serializers: DRF reads them.
    assert columns["client"] is columns["completion"] is columns["text_html"] is None
    assert columns["completes"] is None
    client = records.client_a
    read = 0
    serializers_of = (
        (JournalEntrySerializer(), JournalEntry),
        (LifestyleLogSerializer(), LifestyleLog),
        (SocialActivitySerializer(), SocialActivity),
        (CompletionSerializer(), Completion),
        (AssignmentSerializer(), Assignment),
    )
    # The homework's fields read today: the same day for both.
    with time_machine.travel(NOW, tick=False):
        for serializer, model in serializers_of:
            for row in model.objects.filter(client=client):
                assert same(serializer.to_representation(row), drf(serializer, row))
                read += 1
    assert read == 9  # 3 entries, a log, 2 times with people, 2 check-offs, the homework


def test_a_row_of_another_model_is_read_through_drf(personas):
    """A model's column is read straight only from a row of that model: another model's
    row reads as DRF reads it (here its missing fields are left out)."""
    entry = JournalEntryFactory(client=personas.client_a)
    serializer = CompletionSerializer()
    assert same(serializer.to_representation(entry), drf(serializer, entry))


class Paths(QuickRead, serializers.Serializer):
    """Fields that read through other objects: what `_walked` reads, or leaves to DRF."""

    name = serializers.CharField(source="person.name")
    nullable = serializers.CharField(source="person.name", allow_null=True)
    optional = serializers.CharField(source="person.name", required=False)
    defaulted = serializers.CharField(source="person.name", default="someone")
    shout = serializers.CharField(source="person.shout")  # a method: DRF calls it
    key = serializers.CharField(source="book.title")  # a mapping: DRF reads its key
    items = serializers.CharField(source="book.items")  # a key, not the dict's method
    kind = serializers.CharField(source="book.kind")  # a key, not the mapping's attribute


class Person:
    def __init__(self, name):
        self.name = name

    def shout(self) -> str:
        return (self.name or "nobody").upper()


class Book(dict):
    kind = "an attribute"


class Row:
    def __init__(self, person, book):
        self.person = person
        self.book = book


@pytest.mark.parametrize(
    "row",
    [
        Row(Person("Ada"), Book(title="Notes", items="three", kind="a key")),
        Row(Person(None), Book(title=None, items="one", kind="a key")),
    ],
)
def test_a_field_read_through_other_objects_reads_as_drf_reads_it(row):
    serializer = Paths()
    quick = serializer.to_representation(row)
    assert same(quick, drf(serializer, row))
    assert quick["key"] == row.book["title"] and quick["items"] == row.book["items"]
    assert quick["kind"] == "a key"
    if row.person.name:
        assert quick["shout"] == "ADA"


def test_a_missing_object_on_the_way_reads_as_drf_answers_it():
    """No person: the field's null, default or absence, as DRF answers a missing value; a
    required field fails as DRF fails."""
    row = Row(None, {"title": "Notes", "items": "three"})

    class Answered(QuickRead, serializers.Serializer):
        nullable = serializers.CharField(source="person.name", allow_null=True)
        optional = serializers.CharField(source="person.name", required=False)
        defaulted = serializers.CharField(source="person.name", default="someone")

    serializer = Answered()
    quick = serializer.to_representation(row)
    assert quick == drf(serializer, row) == {"nullable": None, "defaulted": "someone"}

    class Required(QuickRead, serializers.Serializer):
        name = serializers.CharField(source="person.name")

    with pytest.raises(AttributeError, match="name"):
        Required().to_representation(row)
    with pytest.raises(AttributeError):
        drf(Required(), row)


def test_fields_through_relations_are_walked_and_the_rest_read_by_drf():
    paths = {name: path for name, _, _, _, path in _plan(JournalEntrySerializer())[1]}
    assert paths["client"] == ("client", "public_id")
    assert paths["completes"] == ("completions_made",)
    assert paths["id"] is None  # a column of the row's own, read straight
    assert paths["text_html"] is None  # a method field, on its serializer


class Greeting(QuickRead, serializers.Serializer):
    """A method field and a field of its own that read the serializer's context."""

    class Asker(serializers.CharField):
        def to_representation(self, value):
            return f"{value} for {self.context['who']}"

    text = serializers.CharField()
    asked = Asker(source="text")
    greeting = serializers.SerializerMethodField()

    def get_greeting(self, row) -> str:
        return f"Hello {self.context['who']}"


def test_a_classs_fields_are_built_once_and_each_serializer_reads_its_own_context():
    """Building a serializer's fields (`Serializer.fields`) cost 0.3 to 0.5 ms: a class's
    shared plan is built once; a method field and a field that reads the context answer for
    the serializer that writes, not for the one the plan was built from."""
    row = {"text": "tea"}
    first, second = Greeting(context={"who": "Ana"}), Greeting(context={"who": "Ben"})
    assert first.to_representation(row) == {
        "text": "tea",
        "asked": "tea for Ana",
        "greeting": "Hello Ana",
    }
    quick = second.to_representation(row)
    assert "fields" not in vars(first) and "fields" not in vars(second)  # never built
    assert (
        quick
        == drf(second, row)
        == {"text": "tea", "asked": "tea for Ben", "greeting": "Hello Ben"}
    )
    assert _SHARED[Greeting][2] == {"asked"}  # bound to each serializer, as DRF binds it
    # The record serializers share theirs too: only their nested and own fields are bound.
    _plan(JournalEntrySerializer())
    assert _SHARED[JournalEntrySerializer][2] == {"completes", "occurred_at"}


class Chosen(QuickRead, serializers.Serializer):
    text = serializers.CharField()

    def get_fields(self):
        return {**super().get_fields(), "who": serializers.CharField(default=self.context["who"])}


class Deep(QuickRead, serializers.ModelSerializer):
    class Meta:
        model = Completion
        fields = ["due_date", "assignment"]
        depth = 1  # a nested serializer made by ModelSerializer for each serializer


def test_a_class_whose_fields_may_differ_builds_them_for_each_serializer(personas):
    assert Chosen(context={"who": "Ana"}).to_representation({"text": "t"})["who"] == "Ana"
    assert Chosen(context={"who": "Ben"}).to_representation({"text": "t"})["who"] == "Ben"
    assert _SHARED[Chosen] is None
    homework = homework_services.assignment_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        template=HomeworkTemplate.objects.get(slug="daily-mood-journal", owner=None),
        start_date=timezone.localdate(),
    )
    homework_services.completion_create(client=personas.client_a, assignment=homework)
    completion = Completion.objects.get(assignment=homework)
    serializer = Deep()
    assert same(serializer.to_representation(completion), drf(serializer, completion))
    assert _SHARED[Deep] is None and "fields" in vars(serializer)
