"""Homework routes of the API, mounted under /api/v1/ by `config.api_urls`.

The viewsets are registered on the project's router (`router_registrations`); the rest are
plain paths (`urlpatterns`). Every name here has an entry in `accounts.policy.ROUTES`.
"""

from django.urls import path

from . import api

router_registrations = [
    ("templates", api.HomeworkTemplateViewSet, "api-template"),
    ("assignments", api.AssignmentViewSet, "api-assignment"),
    ("completions", api.CompletionViewSet, "api-completion"),
]

urlpatterns = [
    path("adherence/", api.AdherenceView.as_view(), name="api-adherence"),
]
