"""Read-only admin for client records: operators can see that records exist and audit
them, never change what a client wrote. Free text is shown escaped, as Django does."""

from django.contrib import admin

from .models import Feedback, JournalEntry, LifestyleLog, Person, SocialActivity


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting goes through the client's own request or erasure, which undo completions.
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "client", "occurred_at", "mood", "emotions", "triggers", "text"]
    list_filter = ["shared", "recalled"]
    list_select_related = ["client"]


@admin.register(LifestyleLog)
class LifestyleLogAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "client", "day", "exercise_kind", "note", "shared"]
    list_select_related = ["client"]


@admin.register(SocialActivity)
class SocialActivityAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "client", "day", "person", "mode", "note", "shared"]
    list_select_related = ["client", "person"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "client", "name", "kind", "support"]
    list_select_related = ["client"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "client", "author", "text", "created_at"]
    list_select_related = ["client", "author"]
