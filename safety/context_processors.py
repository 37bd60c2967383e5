"""The open-alert banner on every therapist page: one COUNT, run only if the page shows it."""

from functools import cached_property

from accounts import policy
from accounts.models import Role

from .selectors import open_alert_count


class OpenAlerts:
    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        user = self.user
        if not (user.is_authenticated and user.role == Role.THERAPIST):
            return 0
        if not policy.mfa_satisfied(user):
            return 0
        return open_alert_count(user)


def safety_alerts(request) -> dict:
    return {"open_alerts": OpenAlerts(request.user)}
