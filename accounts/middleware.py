import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from rest_framework.views import APIView

from .policy import Access, mfa_satisfied, role_allows, route_access

SESSION_STARTED_KEY = "tandem_session_started"
SESSION_TOUCHED_KEY = "tandem_session_touched"


class UserMiddleware:
    """`request.user` as the user itself rather than Django's lazy wrapper, which answers
    each attribute read by raising and catching an AttributeError: a caseload of a hundred
    read it some three hundred times a view. Right after `AuthenticationMiddleware`; the
    user is read from the session then, as every page but the public ones does anyway."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject):
            user.is_authenticated  # noqa: B018 - reading it reads the user
            request.user = user._wrapped
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """End a signed-in session a fixed time after sign-in, however active it has been; and
    renew the idle timeout at most once every `SESSION_RENEW_SECONDS` (not on every request,
    which would cost a database write per page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            if started and time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, "Your session ended. Please sign in again.")
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and hasattr(request, "session")
            and SESSION_STARTED_KEY not in request.session
        ):
            request.session[SESSION_STARTED_KEY] = int(time.time())
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            touched = request.session.get(SESSION_TOUCHED_KEY, 0)
            if not 0 <= now - touched < settings.SESSION_RENEW_SECONDS:
                request.session[SESSION_TOUCHED_KEY] = now  # saved, and the cookie renewed
        return response


class NoStoreMiddleware:
    """Pages and API answers for a signed-in person are never kept by browsers or proxies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response


class RouteAccessMiddleware:
    """Enforce `accounts.policy.ROUTES` for pages; API views enforce it through DRF."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if view_class is not None and issubclass(view_class, APIView):
            return None
        access = route_access(request.resolver_match.view_name)
        if access is None:
            # A route without a policy is never served (and fails the route-registry test).
            raise Http404
        if access == Access.PUBLIC:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not role_allows(request.user, access):
            raise PermissionDenied
        if access in (Access.THERAPIST, Access.STAFF) and not mfa_satisfied(request.user):
            messages.warning(request, "Set up two-factor sign-in to continue.")
            return redirect("mfa_activate_totp")
        return None


CLEAR_SITE_DATA = '"cache", "storage"'


class ClearSiteDataMiddleware:
    """After signing out (and after an account is erased), the browser forgets what it kept
    of the person: the pages a service worker kept for offline use, entries waiting on the
    phone, the worker itself and the HTTP cache (`Clear-Site-Data`). Not when a session
    merely ends by its lifetime: entries logged offline then wait for the next sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self._ends_for_good(request, response):
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response

    @staticmethod
    def _ends_for_good(request, response) -> bool:
        match = getattr(request, "resolver_match", None)
        name = match.view_name if match is not None else None
        if name == "account_logout":
            return request.method == "POST" and not request.user.is_authenticated
        if name == "api-erasure":
            return response.status_code == 204
        return name == "goodbye"
