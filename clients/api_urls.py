"""Records routes of the API, mounted under /api/v1/ by `config.api_urls`.

Every name here has an entry in `accounts.policy.ROUTES`.
"""

from django.urls import path

from . import api

router_registrations = [
    ("journal", api.JournalEntryViewSet, "api-journal"),
    ("lifestyle", api.LifestyleLogViewSet, "api-lifestyle"),
    ("social", api.SocialActivityViewSet, "api-social"),
    ("people", api.PersonViewSet, "api-person"),
    ("sharing", api.SharingViewSet, "api-sharing"),
]

urlpatterns = [
    path("feedback/", api.FeedbackView.as_view(), name="api-feedback"),
    path("replies/unread/", api.UnreadRepliesView.as_view(), name="api-replies-unread"),
    path(
        "feedback/no-reply-needed/",
        api.FeedbackNoReplyNeededView.as_view(),
        name="api-feedback-no-reply-needed",
    ),
    path("timeline/", api.TimelineView.as_view(), name="api-timeline"),
    path(
        "trigger-suggestions/",
        api.TriggerSuggestionsView.as_view(),
        name="api-trigger-suggestions",
    ),
    path("export/", api.ExportView.as_view(), name="api-export"),
    path("erasure/", api.ErasureView.as_view(), name="api-erasure"),
]
