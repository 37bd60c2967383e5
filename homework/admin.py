from django.contrib import admin

from .models import HomeworkTemplate


@admin.register(HomeworkTemplate)
class HomeworkTemplateAdmin(admin.ModelAdmin):
    """Staff keep the shared library; therapists' own templates are theirs alone."""

    list_display = ["title", "kind", "frequency", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["title"]
    fields = [
        "slug",
        "kind",
        "title",
        "instructions",
        "target_value",
        "target_unit",
        "frequency",
        "weekdays",
        "times_per_week",
        "is_active",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(owner__isnull=True)
