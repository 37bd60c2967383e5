"""Read-only admin for client records: each names the metadata it shows
(`accounts.admin.MetadataOnlyAdmin`)."""

from django.contrib import admin

from accounts.admin import MetadataOnlyAdmin

from .models import Feedback, JournalEntry, LifestyleLog, Person, SocialActivity

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
