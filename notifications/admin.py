from django.contrib import admin

from .models import Delivery, Preferences


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: the ledger is written by the tick and the tasks alone."""

    list_display = ["kind", "period", "status", "user", "attempts", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["user__email", "period", "message_id"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Preferences)
class PreferencesAdmin(admin.ModelAdmin):
    list_display = ["user", "reminders_enabled", "digest_enabled", "next_reminder_at"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "zone", "next_reminder_at", "next_digest_at", "updated_at"]

    def has_add_permission(self, request):
        return False
