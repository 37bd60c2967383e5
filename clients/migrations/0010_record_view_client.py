import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_clients(apps, schema_editor):
    """Each view gets its record's client: one UPDATE per kind of record."""
    RecordView = apps.get_model("clients", "RecordView")
    for model, field in (
        ("JournalEntry", "journal_entry"),
        ("LifestyleLog", "lifestyle_log"),
        ("SocialActivity", "social_activity"),
    ):
        records = apps.get_model("clients", model).objects.filter(pk=OuterRef(f"{field}_id"))
        RecordView.objects.filter(client__isnull=True, **{f"{field}__isnull": False}).update(
            client_id=Subquery(records.values("client_id")[:1])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0009_feedback_unread"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="recordview",
            name="client",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(fill_clients, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="recordview",
            index=models.Index(fields=["client", "therapist"], name="clients_recordview_client"),
        ),
    ]
