"""Rows left invalid by older code are repaired before the constraints that forbid them."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts import versions
from tests.factories import RelationshipFactory


@pytest.mark.django_db(transaction=True)
def test_old_invalid_rows_are_repaired():
    relationship = RelationshipFactory()
    # What `migrate` does around the migrations (its signals): the version triggers go first.
    # SQLite remakes a table to change it, and a trigger naming a table that is gone fails.
    versions.drop()
    executor = MigrationExecutor(connection)
    executor.migrate([("homework", "0002_template_library")])
    apps = executor.loader.project_state([("homework", "0002_template_library")]).apps
    Assignment = apps.get_model("homework", "Assignment")
    Template = apps.get_model("homework", "HomeworkTemplate")
    common = {
        "relationship_id": relationship.pk,
        "client_id": relationship.client_id,
        "therapist_id": relationship.therapist_id,
        "kind": "journal",
        "start_date": date(2026, 11, 26),
    }
    # Ended before its due date, by the old `assignment_end`.
    ended = Assignment.objects.create(
        **common,
        title="One-off",
        frequency="once",
        due_date=date(2026, 12, 3),
        end_date=date(2026, 11, 26),
        status="ended",
    )
    daily = Assignment.objects.create(**common, title="Daily", frequency="daily", due_date=None)
    # Saved in the admin, which skipped the services' rules.
    weekly = Template.objects.create(kind="journal", title="Admin's", frequency="weekly")
    daily_n = Template.objects.create(
        kind="journal", title="Admin's too", frequency="daily", times_per_week=3
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    versions.install()

    from homework.models import Assignment as NowAssignment
    from homework.models import HomeworkTemplate as NowTemplate

    ended = NowAssignment.objects.get(pk=ended.pk)
    assert (ended.end_date, ended.due_date) == (date(2026, 12, 3), date(2026, 12, 3))
    assert ended.schedule().validate() == {}
    assert NowAssignment.objects.get(pk=daily.pk).due_date is None
    assert NowTemplate.objects.get(pk=weekly.pk).times_per_week == 1
    assert NowTemplate.objects.get(pk=daily_n.pk).times_per_week is None
