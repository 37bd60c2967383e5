from django.db import migrations


def load_library(apps, schema_editor):
    from homework.library import LIBRARY

    Template = apps.get_model("homework", "HomeworkTemplate")
    for entry in LIBRARY:
        fields = {k: v for k, v in entry.items() if k != "slug"}
        Template.objects.update_or_create(slug=entry["slug"], owner=None, defaults=fields)


def unload_library(apps, schema_editor):
    from homework.library import LIBRARY

    Template = apps.get_model("homework", "HomeworkTemplate")
    Template.objects.filter(owner=None, slug__in=[e["slug"] for e in LIBRARY]).delete()


class Migration(migrations.Migration):
    dependencies = [("homework", "0001_initial")]

    operations = [migrations.RunPython(load_library, unload_library)]
