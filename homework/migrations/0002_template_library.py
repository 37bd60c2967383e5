from django.db import migrations


def load_library(apps, schema_editor):
    from homework.library import install

    install(apps.get_model("homework", "HomeworkTemplate"))


def unload_library(apps, schema_editor):
    from homework.library import LIBRARY

    Template = apps.get_model("homework", "HomeworkTemplate")
    Template.objects.filter(owner=None, slug__in=[e["slug"] for e in LIBRARY]).delete()


class Migration(migrations.Migration):
    dependencies = [("homework", "0001_initial")]

    operations = [migrations.RunPython(load_library, unload_library)]
