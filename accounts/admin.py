from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEvent, CareRelationship, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "name"]
    readonly_fields = ["public_id", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["public_id", "email", "password"]}),
        ("Profile", {"fields": ["name", "role", "timezone"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "name", "role", "timezone", "password1", "password2"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        # The confirmation page would list everything held about the person, plan items
        # and people by their text; accounts are deactivated here and erased by the client.
        return False


@admin.register(CareRelationship)
class CareRelationshipAdmin(admin.ModelAdmin):
    list_display = ["therapist", "client", "invited_email", "status", "invited_at", "ended_at"]
    list_filter = ["status"]
    search_fields = ["therapist__email", "client__email", "invited_email"]
    readonly_fields = [f.name for f in CareRelationship._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["created_at", "actor_label", "action", "subject", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_label", "subject__email"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
