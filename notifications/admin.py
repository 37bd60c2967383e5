from django.contrib import admin
from django.utils import timezone

from .ledger import LATE_AFTER
from .models import Delivery, Preferences, PushSubscription, Status


class WaitingFilter(admin.SimpleListFilter):
    """What an operator looks for during a mail-server outage."""

    title = "waiting"
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("retry", "Waiting to be tried again"), ("late", "Pending for too long")]

    def queryset(self, request, queryset):
        pending = queryset.filter(status=Status.PENDING)
        if self.value() == "retry":
            return pending.filter(next_attempt_at__isnull=False)
        if self.value() == "late":
            return pending.filter(created_at__lt=timezone.now() - LATE_AFTER)
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: the ledger is written by the tick and the tasks alone. It holds metadata
    (kind, period, times, SMTP codes), never an e-mail's content."""

    list_display = [
        "kind",
        "channel",
        "period",
        "status",
        "user",
        "attempts",
        "error",
        "created_at",
        "next_attempt_at",
        "give_up_at",
        "finished_at",
    ]
    list_filter = ["status", WaitingFilter, "kind", "channel"]
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


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    """Which people have push on how many devices. The endpoint and keys are the devices'
    secrets and are not shown; an operator may remove a device (its person is e-mailed)."""

    list_display = ["user", "name", "created_at", "last_sent_at"]
    search_fields = ["user__email"]
    fields = ["user", "name", "created_at", "last_sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
