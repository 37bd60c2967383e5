"""Read-only admin for care plans: operators see that plans exist, never what they say."""

from django.contrib import admin

from accounts.admin import MetadataOnlyAdmin

from .models import CarePlan, PlanVersion, TriggerLog


@admin.register(CarePlan)
class CarePlanAdmin(MetadataOnlyAdmin):
    metadata = ("public_id", "client", "relationship", "version", "created_at")
    list_display = ["public_id", "client", "relationship", "version", "created_at"]
    list_select_related = ["client", "relationship__therapist", "relationship__client"]


@admin.register(PlanVersion)
class PlanVersionAdmin(MetadataOnlyAdmin):
    # Not the snapshot: it holds the plan's text.
    metadata = (
        "plan",
        "number",
        "author_label",
        "change",
        "section",
        "item_public_id",
        "created_at",
        "agreed_at",
    )
    list_display = ["plan", "number", "author_label", "change", "section", "created_at"]


@admin.register(TriggerLog)
class TriggerLogAdmin(MetadataOnlyAdmin):
    # Not the trigger, its steps, its plan item or whether it helped: all the client's.
    metadata = ("public_id", "client", "created_at", "rated_at")
    list_display = ["public_id", "client", "created_at"]
    list_select_related = ["client"]
