"""Read-only admin for measures: operators see that they exist, never answers or scores."""

from django.contrib import admin

from accounts.admin import MetadataOnlyAdmin

from .models import MeasureAssignment, MeasureResponse


@admin.register(MeasureAssignment)
class MeasureAssignmentAdmin(MetadataOnlyAdmin):
    metadata = (
        "public_id",
        "client",
        "relationship",
        "instrument",
        "every_weeks",
        "start_date",
        "status",
    )
    list_display = ["public_id", "client", "instrument", "every_weeks", "start_date", "status"]
    list_select_related = ["client"]


@admin.register(MeasureResponse)
class MeasureResponseAdmin(MetadataOnlyAdmin):
    # Not the answers, the score or the band: they are the client's health.
    metadata = ("public_id", "client", "instrument", "period", "submitted_at")
    list_display = ["public_id", "client", "instrument", "period", "submitted_at"]
    list_select_related = ["client"]
