"""Instances made from database rows without `__init__` (accounts.loading): the same as
Django's own for every model of the project, whole or with fields deferred, and Django's
own whenever that could differ."""

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models.signals import post_init, pre_init
from django.test.utils import isolate_apps

from accounts import loading
from accounts.loading import QuickLoad, loads_quickly
from accounts.models import CareRelationship, User
from clients.models import JournalEntry
from tests.factories import JournalEntryFactory


def defined_here(model) -> bool:
    """Whether the model's code is the project's own (not Django's, allauth's, ...)."""
    path = Path(sys.modules[model.__module__].__file__).resolve()
    return path.is_relative_to(settings.BASE_DIR) and ".venv" not in path.parts


PROJECT_MODELS = [
    model for model in apps.get_models() if defined_here(model) and not model._meta.auto_created
]


def django_own(model, field_names, values, **kwargs):
    """What the model's `from_db` (its own steps included) makes by Django's way."""
    kept = loading._QUICK.get(model)
    loading._QUICK[model] = False
    try:
        return model.from_db("default", field_names, values, **kwargs)
    finally:
        loading._QUICK[model] = kept


def state_of(instance) -> dict:
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def model_state(instance) -> dict:
    """The instance's `_state`, but an empty cache of related instances (made on first use:
    Django's `__init__` makes it for a foreign key, as it sets its id)."""
    return {k: v for k, v in vars(instance._state).items() if (k, v) != ("fields_cache", {})}


def a_row(model) -> tuple[list[str], list]:
    """Every field's attname with a value of its own (from_db takes the values as read)."""
    names = [field.attname for field in model._meta.concrete_fields]
    return names, [f"value of {name}" for name in names]


def test_every_model_of_the_project_loads_quickly():
    # Nothing of the project, Django's or a library's listens to instances being made: a
    # receiver would send every row through `__init__`.
    assert not pre_init.receivers and not post_init.receivers
    assert len(PROJECT_MODELS) > 20
    for model in PROJECT_MODELS:
        assert issubclass(model, QuickLoad), model
        assert loads_quickly(model), model


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model._meta.label)
def test_an_instance_is_djangos_own_whole_and_deferred(model):
    names, values = a_row(model)
    quick = model.from_db("default", names, values)
    own = django_own(model, names, values)
    assert type(quick) is model
    assert state_of(quick) == state_of(own)
    assert list(state_of(quick)) == list(state_of(own))
    assert model_state(quick) == model_state(own) == {"adding": False, "db": "default"}
    # Some fields not read (`.only()`, `.defer()`): left out, as Django leaves them.
    part_names, part_values = names[::2], values[::2]
    quick = model.from_db("default", part_names, part_values, fetch_mode=None)
    own = django_own(model, part_names, part_values)
    assert state_of(quick) == state_of(own)
    assert quick.get_deferred_fields() == own.get_deferred_fields()


@pytest.mark.django_db
def test_what_a_query_reads_is_what_the_rows_hold(personas, django_assert_num_queries):
    entry = JournalEntryFactory(
        client=personas.client_a, text="A walk by the river", mood=7, shared=True
    )
    [read] = JournalEntry.objects.filter(pk=entry.pk).select_related("client")
    assert read.text == "A walk by the river" and read.mood == 7
    assert read.client.email == personas.client_a.email
    assert read._state.adding is False and read._state.db == "default"
    assert read.client._state.adding is False
    # Saved back, it updates its row: it is no new instance.
    read.text = "A long walk by the river"
    read.save(update_fields=["text"])
    assert JournalEntry.objects.get(pk=entry.pk).text == "A long walk by the river"
    assert JournalEntry.objects.count() == 1
    # A deferred field is read when asked for, with one query.
    [part] = JournalEntry.objects.filter(pk=entry.pk).only("id")
    assert part.get_deferred_fields() >= {"text", "mood"}
    with django_assert_num_queries(1):
        assert part.text == "A long walk by the river"
    # A relationship read through the access policy's joins.
    relationship = CareRelationship.objects.select_related("client", "therapist").get(
        pk=personas.relationship_a.pk
    )
    assert relationship.therapist.email == personas.therapist_a.email


def test_a_receiver_of_post_init_gets_djangos_own_instances():
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=User)
    try:
        names, values = a_row(User)
        made = User.from_db("default", names, values)
    finally:
        post_init.disconnect(receiver, sender=User)
    assert seen == [made]


@isolate_apps("accounts")
def test_a_model_whose_fields_do_work_on_assignment_loads_as_django_does():
    class Attached(QuickLoad):
        document = models.FileField()
        made_at = models.DateTimeField()

        class Meta:
            app_label = "accounts"

    class Counted(QuickLoad):
        made_at = models.DateTimeField()

        class Meta:
            app_label = "accounts"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.counted = True

    assert not loads_quickly(Attached)
    assert not loads_quickly(Counted)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    attached = Attached.from_db("default", ["id", "document", "made_at"], [1, "a.pdf", at])
    assert attached.document.name == "a.pdf"  # a FieldFile, as the descriptor makes it
    counted = Counted.from_db("default", ["id", "made_at"], [1, at])
    assert counted.counted is True
