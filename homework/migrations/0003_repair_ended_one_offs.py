"""Ending a one-off before its due date used to set the end date before the due date, an
invalid schedule that broke the pages showing it. Move those end dates to the due date:
the ended status and `ended_at` already say that nothing is due any more."""

from django.db import migrations
from django.db.models import F


def repair(apps, schema_editor):
    Assignment = apps.get_model("homework", "Assignment")
    Assignment.objects.filter(
        frequency="once", due_date__isnull=False, end_date__lt=F("due_date")
    ).update(end_date=F("due_date"))


class Migration(migrations.Migration):
    dependencies = [("homework", "0002_template_library")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
