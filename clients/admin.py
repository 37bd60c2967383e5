"""Read-only admin for client records. Staff administer accounts but never read clinical
content: they see that a record exists (ids, dates, kind, shared or not) and nothing of
what it says. Each admin names the metadata it shows; everything else stays out of the
list, the change page, search and filters."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models.constants import LOOKUP_SEP

from .models import Feedback, JournalEntry, LifestyleLog, Person, SocialActivity


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


RECORD_METADATA = ("public_id", "client", "shared", "first_viewed_at", "created_at", "updated_at")


@admin.register(JournalEntry)
class JournalEntryAdmin(MetadataOnlyAdmin):
    metadata = (*RECORD_METADATA, "occurred_at", "recalled")
    list_display = ["public_id", "client", "occurred_at", "shared", "recalled"]
    list_filter = ["shared", "recalled"]
    list_select_related = ["client"]


@admin.register(LifestyleLog)
class LifestyleLogAdmin(MetadataOnlyAdmin):
    metadata = (*RECORD_METADATA, "day")
    list_display = ["public_id", "client", "day", "shared"]
    list_filter = ["shared"]
    list_select_related = ["client"]


@admin.register(SocialActivity)
class SocialActivityAdmin(MetadataOnlyAdmin):
    metadata = (*RECORD_METADATA, "day")
    list_display = ["public_id", "client", "day", "shared"]
    list_filter = ["shared"]
    list_select_related = ["client"]


@admin.register(Person)
class PersonAdmin(MetadataOnlyAdmin):
    metadata = ("public_id", "client", "kind", "created_at")
    list_display = ["public_id", "client", "kind", "created_at"]
    list_select_related = ["client"]


@admin.register(Feedback)
class FeedbackAdmin(MetadataOnlyAdmin):
    metadata = ("public_id", "client", "author", "created_at")
    list_display = ["public_id", "client", "author", "created_at"]
    list_select_related = ["client", "author"]
