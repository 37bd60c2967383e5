"""Audit sign-ins. Django's auth signals are the one place that sees every sign-in path."""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .middleware import SESSION_STARTED_KEY, SESSION_TOUCHED_KEY
from .models import AuditAction
from .network import client_ip
from .services import audit, sign_in_refused


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit(action=AuditAction.LOGIN_SUCCEEDED, actor=user, ip_address=_ip(request))


@receiver(user_logged_in)
def start_session_clocks(sender, request, user, **kwargs):
    """The absolute lifetime and the idle timeout both count from the sign-in."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_STARTED_KEY] = session[SESSION_TOUCHED_KEY] = int(time.time())


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit(action=AuditAction.LOGOUT, actor=user, ip_address=_ip(request))


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    attempted = str(credentials.get("email") or credentials.get("username") or "")
    sign_in_refused(attempted=attempted, ip_address=_ip(request))
