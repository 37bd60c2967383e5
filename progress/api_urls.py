"""Progress routes of the API, mounted under /api/v1/progress/ by `config.api_urls`.

Every name here has an entry in `accounts.policy.ROUTES`.
"""

from django.urls import path

from . import api

urlpatterns = [
    path("series/", api.SeriesView.as_view(), name="api-progress-series"),
    path("insights/", api.InsightsView.as_view(), name="api-progress-insights"),
]
