from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .policy import Access, mfa_satisfied, role_allows, route_access


class RouteAccess(BasePermission):
    """The API side of the route table in `accounts.policy`.

    A view may narrow a route further per action (`action_access = {"create": Access.CLIENT}`):
    a route open to everyone signed in can have operations for one role only. The wrong role
    gets 403 before any object is looked up.
    """

    message = "You do not have access to this resource."

    def has_permission(self, request, view) -> bool:
        match = request.resolver_match
        access = route_access(match.view_name if match else None)
        if access is None:
            return False
        action_rule = getattr(view, "action_access", {}).get(getattr(view, "action", None))
        for rule in (access, action_rule):
            if rule is None:
                continue
            if not role_allows(request.user, rule):
                return False
            if rule in (Access.THERAPIST, Access.STAFF) and not mfa_satisfied(request.user):
                raise PermissionDenied("Set up two-factor sign-in before using this resource.")
        return True
