"""Read-only admin for care plans: operators see that plans exist, never change them."""

from django.contrib import admin

from clients.admin import ReadOnlyAdmin

from .models import CarePlan, PlanVersion, TriggerLog


@admin.register(CarePlan)
class CarePlanAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "client", "relationship", "version", "created_at"]
    list_select_related = ["client", "relationship__therapist", "relationship__client"]


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyAdmin):
    list_display = ["plan", "number", "author_label", "change", "section", "created_at"]
    exclude = ["snapshot"]


@admin.register(TriggerLog)
class TriggerLogAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "client", "trigger", "helped", "created_at"]
    list_select_related = ["client"]
