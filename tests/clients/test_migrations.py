"""Views recorded before views were per therapist are credited where that is certain."""

from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from clients.models import RecordView
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
