import django.core.validators
from django.db import migrations, models

# 1 (hard) to 5 (good) becomes 0 (very hard) to 10 (very good), evenly and symmetrically.
ONE_TO_FIVE_AS_ZERO_TO_TEN = {1: 0, 2: 3, 3: 5, 4: 7, 5: 10}


def to_zero_to_ten(apps, schema_editor):
    """One UPDATE, so that no value is moved twice (2 becomes 3, which is not moved again)."""
    SocialActivity = apps.get_model("clients", "SocialActivity")
    SocialActivity.objects.filter(feeling__isnull=False).update(
        feeling=models.Case(
            *(
                models.When(feeling=old, then=new)
                for old, new in ONE_TO_FIVE_AS_ZERO_TO_TEN.items()
            ),
            default=models.F("feeling"),
            output_field=models.PositiveSmallIntegerField(),
        )
    )


def to_one_to_five(apps, schema_editor):
    SocialActivity = apps.get_model("clients", "SocialActivity")
    SocialActivity.objects.filter(feeling__isnull=False).update(
        feeling=models.Case(
            *(
                models.When(feeling=new, then=old)
                for old, new in ONE_TO_FIVE_AS_ZERO_TO_TEN.items()
            ),
            default=models.Value(3),
            output_field=models.PositiveSmallIntegerField(),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0005_record_views_and_no_reply_needed"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="socialactivity",
            name="clients_social_feeling_range",
        ),
        migrations.AlterField(
            model_name="socialactivity",
            name="feeling",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(10),
                ],
            ),
        ),
        migrations.RunPython(to_zero_to_ten, to_one_to_five),
        migrations.AddConstraint(
            model_name="socialactivity",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("feeling__isnull", True),
                    models.Q(("feeling__gte", 0), ("feeling__lte", 10)),
                    _connector="OR",
                ),
                name="clients_social_feeling_range",
            ),
        ),
    ]
