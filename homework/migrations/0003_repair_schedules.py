"""Repair rows that older code left invalid, before 0004 adds the constraints that forbid
them. Data only: on PostgreSQL a table cannot be altered in the transaction that updated it.

- Ending a one-off before its due date set the end date before the due date, an invalid
  schedule that broke the pages showing it. Move those end dates to the due date: the ended
  status and `ended_at` already say that nothing is due any more.
- The admin skipped the services' clean-up: empty the fields of other frequencies.
"""

from django.db import migrations
from django.db.models import F


def repair(apps, schema_editor):
    Assignment = apps.get_model("homework", "Assignment")
    Assignment.objects.filter(
        frequency="once", due_date__isnull=False, end_date__lt=F("due_date")
    ).update(end_date=F("due_date"))
    Assignment.objects.exclude(frequency="once").exclude(due_date=None).update(due_date=None)
    for model in ("HomeworkTemplate", "Assignment"):
        rows = apps.get_model("homework", model).objects
        rows.exclude(frequency="weekly").exclude(times_per_week=None).update(times_per_week=None)
        # "N times a week" without N was only possible in the admin: once a week.
        rows.filter(frequency="weekly", times_per_week=None).update(times_per_week=1)


class Migration(migrations.Migration):
    dependencies = [("homework", "0002_template_library")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
