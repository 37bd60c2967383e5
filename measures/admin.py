"""Read-only admin for measures: operators see that they exist, never change answers."""

from django.contrib import admin

from clients.admin import ReadOnlyAdmin

from .models import MeasureAssignment, MeasureResponse


@admin.register(MeasureAssignment)
class MeasureAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "client", "instrument", "every_weeks", "start_date", "status"]
    list_select_related = ["client"]


@admin.register(MeasureResponse)
class MeasureResponseAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "client", "instrument", "period", "score", "submitted_at"]
    list_select_related = ["client"]
    exclude = ["answers"]
