"""Measure routes of the API, mounted under /api/v1/ by `config.api_urls`.

Every name here has an entry in `accounts.policy.ROUTES`.
"""

from . import api

router_registrations = [
    ("measure-assignments", api.MeasureAssignmentViewSet, "api-measure-assignment"),
    ("measure-responses", api.MeasureResponseViewSet, "api-measure-response"),
]
