from django.db import migrations, models

RECORD_FIELDS = ("journal_entry", "lifestyle_log", "social_activity")


def mark_answered_as_read(apps, schema_editor):
    """A message the client answered afterwards was certainly read: mark it so. Others stay
    unread, which is all we know about them."""
    Feedback = apps.get_model("clients", "Feedback")
    for field in RECORD_FIELDS:
        answered = Feedback.objects.filter(
            client_id=models.OuterRef("client_id"),
            author_id=models.OuterRef("client_id"),
            created_at__gt=models.OuterRef("created_at"),
            **{field: models.OuterRef(field)},
        )
        (
            Feedback.objects.filter(**{f"{field}__isnull": False})
            .exclude(author_id=models.F("client_id"))
            .filter(models.Exists(answered))
            .update(read_by_client_at=models.F("created_at"))
        )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_journalentry_needs_help"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedback",
            name="read_by_client_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_answered_as_read, migrations.RunPython.noop),
    ]
