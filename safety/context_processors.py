"""The open-alert banner on every therapist page: one COUNT, run only if the page shows it.
The alerts page itself lists them, so it shows no banner."""

from functools import cached_property

from accounts import policy
from accounts.models import Role

from .selectors import open_alert_count

ALERT_PAGES = {"therapist_alerts", "therapist_alert_acknowledge"}


class OpenAlerts:
    def __init__(self, user, *, url_name: str = ""):
        self.user = user
        self.url_name = url_name

    @cached_property
    def count(self) -> int:
        user = self.user
        if not (user.is_authenticated and user.role == Role.THERAPIST):
            return 0
        if self.url_name in ALERT_PAGES or not policy.mfa_satisfied(user):
            return 0
        return open_alert_count(user)


def safety_alerts(request) -> dict:
    match = getattr(request, "resolver_match", None)
    return {"open_alerts": OpenAlerts(request.user, url_name=match.url_name if match else "")}
