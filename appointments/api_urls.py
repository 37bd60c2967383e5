"""Session routes of the API, mounted under /api/v1/ by `config.api_urls`.

Every name here has an entry in `accounts.policy.ROUTES`.
"""

from . import api

router_registrations = [
    ("sessions", api.SessionViewSet, "api-session"),
    ("series", api.SeriesViewSet, "api-series"),
]
