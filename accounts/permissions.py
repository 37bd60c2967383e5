from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .policy import Access, mfa_satisfied, role_allows, route_access


class RouteAccess(BasePermission):
    """The API side of the route table in `accounts.policy`."""

    message = "You do not have access to this resource."

    def has_permission(self, request, view) -> bool:
        match = request.resolver_match
        access = route_access(match.view_name if match else None)
        if access is None:
            return False
        if not role_allows(request.user, access):
            return False
        if access in (Access.THERAPIST, Access.STAFF) and not mfa_satisfied(request.user):
            raise PermissionDenied("Set up two-factor sign-in before using this resource.")
        return True
