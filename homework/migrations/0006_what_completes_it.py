from django.conf import settings
from django.db import migrations, models


def rules_from_the_library(apps, schema_editor):
    """The shared templates say what completes them; homework made from one follows it."""
    from homework.library import install

    Template = apps.get_model("homework", "HomeworkTemplate")
    Assignment = apps.get_model("homework", "Assignment")
    install(Template)
    for template in Template.objects.filter(owner=None).exclude(completes_by=""):
        Assignment.objects.filter(template=template, kind=template.kind).update(
            completes_by=template.completes_by
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_invitation_on_the_ledger"),
        ("homework", "0005_instructions_length_cap"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="completes_by",
            field=models.CharField(
                blank=True,
                choices=[
                    ("entry", "Any journal entry that day"),
                    ("mood", "A journal entry with a mood"),
                    ("words", "A journal entry with some words"),
                    ("target", "A log that meets the target"),
                    ("check_off", "Only ticking it off"),
                ],
                help_text="A record that meets this completes the day by itself; ticking it off always works too. Left empty: the kind's usual rule.",
                max_length=16,
                verbose_name="what completes it",
            ),
        ),
        migrations.AddField(
            model_name="homeworktemplate",
            name="completes_by",
            field=models.CharField(
                blank=True,
                choices=[
                    ("entry", "Any journal entry that day"),
                    ("mood", "A journal entry with a mood"),
                    ("words", "A journal entry with some words"),
                    ("target", "A log that meets the target"),
                    ("check_off", "Only ticking it off"),
                ],
                help_text="A record that meets this completes the day by itself; ticking it off always works too. Left empty: the kind's usual rule.",
                max_length=16,
                verbose_name="what completes it",
            ),
        ),
        migrations.RunPython(rules_from_the_library, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="assignment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("completes_by", ""),
                    models.Q(
                        ("completes_by__in", ["entry", "mood", "words", "check_off"]),
                        ("kind", "journal"),
                    ),
                    models.Q(("completes_by__in", ["target", "check_off"]), ("kind", "lifestyle")),
                    models.Q(("completes_by__in", ["target", "check_off"]), ("kind", "social")),
                    models.Q(("completes_by__in", ["check_off"]), ("kind", "checklist")),
                    _connector="OR",
                ),
                name="homework_assignment_rule_fits_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="homeworktemplate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("completes_by", ""),
                    models.Q(
                        ("completes_by__in", ["entry", "mood", "words", "check_off"]),
                        ("kind", "journal"),
                    ),
                    models.Q(("completes_by__in", ["target", "check_off"]), ("kind", "lifestyle")),
                    models.Q(("completes_by__in", ["target", "check_off"]), ("kind", "social")),
                    models.Q(("completes_by__in", ["check_off"]), ("kind", "checklist")),
                    _connector="OR",
                ),
                name="homework_template_rule_fits_kind",
            ),
        ),
    ]
