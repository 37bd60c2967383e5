from django.contrib import admin

from .models import HomeworkTemplate
from .services import SCHEDULE_FIELDS


@admin.register(HomeworkTemplate)
class HomeworkTemplateAdmin(admin.ModelAdmin):
    """Staff keep the shared library; therapists' own templates are theirs alone."""

    list_display = ["title", "kind", "frequency", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["title"]
    fields = ["slug", *SCHEDULE_FIELDS, "is_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(owner__isnull=True)
