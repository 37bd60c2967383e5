"""Care plan routes of the API, mounted under /api/v1/ by `config.api_urls`.

Every name here has an entry in `accounts.policy.ROUTES`.
"""

from . import api, bring_api

router_registrations = [
    ("plans", api.PlanViewSet, "api-plan"),
    ("plan-items", api.PlanItemViewSet, "api-plan-item"),
    ("trigger-logs", api.TriggerLogViewSet, "api-trigger-log"),
    ("bring-items", bring_api.BringItemViewSet, "api-bring-item"),
]
