from django.db import migrations, models


def links_to_many(apps, schema_editor):
    """Each entry keeps the completion it made, now as one of its completions."""
    JournalEntry = apps.get_model("clients", "JournalEntry")
    Link = JournalEntry.completions.through
    Link.objects.bulk_create(
        Link(journalentry_id=pk, completion_id=completion_id)
        for pk, completion_id in JournalEntry.objects.filter(completion__isnull=False).values_list(
            "pk", "completion_id"
        )
    )


def links_to_one(apps, schema_editor):
    JournalEntry = apps.get_model("clients", "JournalEntry")
    Link = JournalEntry.completions.through
    taken = set()
    for link in Link.objects.order_by("id"):
        if link.completion_id not in taken:
            taken.add(link.completion_id)
            JournalEntry.objects.filter(pk=link.journalentry_id, completion__isnull=True).update(
                completion_id=link.completion_id
            )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_feedback_read_by_client_at"),
        ("homework", "0006_what_completes_it"),
    ]

    operations = [
        migrations.AddField(
            model_name="journalentry",
            name="completions",
            field=models.ManyToManyField(blank=True, related_name="+", to="homework.completion"),
        ),
        migrations.RunPython(links_to_many, links_to_one),
        migrations.RemoveField(
            model_name="journalentry",
            name="completion",
        ),
        migrations.AddField(
            model_name="journalentry",
            name="homework_choices",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="lifestylelog",
            name="homework_choices",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="socialactivity",
            name="homework_choices",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
