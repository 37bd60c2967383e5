"""Views recorded before views were per therapist are credited where that is certain."""

from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from clients.models import FEEDBACK_FIELD, RecordView
from tests.factories import JournalEntryFactory, RelationshipFactory, TherapistFactory

pytestmark = pytest.mark.django_db

migration = import_module("clients.migrations.0005_record_views_and_no_reply_needed")


def test_earlier_views_go_to_the_only_therapist_and_to_nobody_when_there_were_two():
    alone = RelationshipFactory()
    seen = JournalEntryFactory(client=alone.client, shared=True, first_viewed_at=timezone.now())
    JournalEntryFactory(client=alone.client, shared=True)  # never opened
    shared_care = RelationshipFactory()
    RelationshipFactory(client=shared_care.client, therapist=TherapistFactory())
    JournalEntryFactory(client=shared_care.client, shared=True, first_viewed_at=timezone.now())

    migration.credit_earlier_views(apps, None)

    views = list(RecordView.objects.values_list("therapist_id", "journal_entry_id"))
    assert views == [(alone.therapist_id, seen.pk)]


def test_how_it_felt_moves_from_one_to_five_onto_zero_to_ten_each_value_once():
    from clients.models import SocialActivity
    from tests.factories import SocialActivityFactory

    felt = import_module("clients.migrations.0006_how_it_felt_0_to_10")
    client = RelationshipFactory().client
    for value in (1, 2, 3, 4, 5, None):
        SocialActivityFactory(client=client, feeling=value)

    felt.to_zero_to_ten(apps, None)

    values = list(SocialActivity.objects.order_by("pk").values_list("feeling", flat=True))
    assert values == [0, 3, 5, 7, 10, None]


def test_each_earlier_view_gets_its_records_client():
    from clients.models import LifestyleLog
    from tests.factories import LifestyleLogFactory, SocialActivityFactory

    filled = import_module("clients.migrations.0010_record_view_client")
    relationship = RelationshipFactory()
    other = RelationshipFactory(therapist=relationship.therapist)
    records = [
        JournalEntryFactory(client=relationship.client, shared=True),
        LifestyleLogFactory(client=other.client, shared=True),
        SocialActivityFactory(client=relationship.client, shared=True),
    ]
    for record in records:  # as migration 0005 made them: no client
        field = FEEDBACK_FIELD[type(record)]
        RecordView.objects.create(therapist=relationship.therapist, **{field: record})
    assert set(RecordView.objects.values_list("client", flat=True)) == {None}

    filled.fill_clients(apps, None)

    clients = list(RecordView.objects.order_by("pk").values_list("client_id", flat=True))
    assert clients == [record.client_id for record in records]
    assert LifestyleLog.objects.get().client_id == other.client_id
