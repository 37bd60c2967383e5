from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models.constants import LOOKUP_SEP

from .models import AuditEvent, CareRelationship, User

# Staff administer accounts but never read clinical content: for a client's records, plans
# and measures they see that a row exists (ids, dates, kind, shared or not) and nothing of
# what it says. Each such admin names the metadata it shows; everything else stays out of
# the list, the change page, search and filters.


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting goes through the client's own request or erasure, which undo completions.
        return False


class _Named:
    """A record as the admin's titles and breadcrumbs name it: its kind and id, because
    some records' own names are their text (a person's name, a plan item)."""

    def __init__(self, obj) -> None:
        self.pk = obj.pk
        self.label = f"{obj._meta.verbose_name} {getattr(obj, 'public_id', obj.pk)}"

    def __str__(self) -> str:
        return self.label


class MetadataOnlyAdmin(ReadOnlyAdmin):
    """A record's metadata and nothing else: `metadata` is the whole change page and the
    only fields the list may show, sort or filter on."""

    metadata: tuple[str, ...] = ()
    search_fields = ()

    def get_fields(self, request, obj=None) -> list[str]:
        return list(self.metadata)

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return list(self.metadata)

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # Django allows any lookup on a model's own fields in the list's URL
        # (`?text__startswith=a`), which would let staff probe text by filtering.
        if lookup.split(LOOKUP_SEP)[0] not in self.metadata:
            return False
        return super().lookup_allowed(lookup, value, request)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["subtitle"] = str(_Named(obj))
            context["original"] = _Named(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            named = _Named(obj)
            extra_context = {**(extra_context or {}), "object": named}
            extra_context["title"] = f"Change history: {named}"
        return super().history_view(request, object_id, extra_context)


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
