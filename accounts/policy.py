"""Who may see what — the one place that decides it.

Routes: every URL name has an entry in `ROUTES` (or a prefix in `ROUTE_PREFIXES`); the
middleware (pages) and `accounts.permissions.RouteAccess` (API) enforce it. Records: the
`*_visible_to(user)` querysets and the `get_*_for_user()` helpers; strangers get 404.
"""

import uuid
from enum import StrEnum

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import CareRelationship, CareStatus, Role, User
from .prepared import prepared


class Access(StrEnum):
    PUBLIC = "public"  # anyone, signed in or not
    SIGNED_IN = "signed_in"  # any signed-in person
    CLIENT = "client"
    THERAPIST = "therapist"
    STAFF = "staff"


ROUTES: dict[str, Access] = {
    "home": Access.SIGNED_IN,
    "help": Access.SIGNED_IN,
    "healthz": Access.PUBLIC,
    # The service worker's script and its page for "no connection": they name nobody, and
    # a browser asks for the script again whoever is signed in (clients.offline).
    "service_worker": Access.PUBLIC,
    "offline": Access.PUBLIC,
    "invitation_accept": Access.PUBLIC,
    "client_home": Access.CLIENT,
    "client_relationship_end": Access.CLIENT,
    "therapist_home": Access.THERAPIST,
    "therapist_invite": Access.THERAPIST,
    "therapist_invitation_resend": Access.THERAPIST,
    "therapist_invitation_revoke": Access.THERAPIST,
    "therapist_client_detail": Access.THERAPIST,
    "therapist_relationship_end": Access.THERAPIST,
    "api-schema": Access.PUBLIC,
    "api-docs": Access.PUBLIC,
    "api-me": Access.SIGNED_IN,
    "api-client-list": Access.THERAPIST,
    "api-client-detail": Access.THERAPIST,
    "api-invitation-list": Access.THERAPIST,
    "api-invitation-detail": Access.THERAPIST,
    "api-relationship-list": Access.SIGNED_IN,
    "api-relationship-detail": Access.SIGNED_IN,
    "api-relationship-end": Access.SIGNED_IN,
    # Homework
    "therapist_assign": Access.THERAPIST,
    "therapist_assign_form": Access.THERAPIST,
    "therapist_assignment_edit": Access.THERAPIST,
    "therapist_assignment_pause": Access.THERAPIST,
    "therapist_assignment_resume": Access.THERAPIST,
    "therapist_assignment_end": Access.THERAPIST,
    "therapist_templates": Access.THERAPIST,
    "therapist_template_new": Access.THERAPIST,
    "therapist_template_edit": Access.THERAPIST,
    "therapist_template_delete": Access.THERAPIST,
    "client_week": Access.CLIENT,
    "client_account": Access.CLIENT,
    "client_complete": Access.CLIENT,
    "client_undo": Access.CLIENT,
    "client_calendar": Access.CLIENT,
    # Client records in the portals: the client's own pages; the therapist reads what is
    # shared, through the client's page.
    "client_journal": Access.CLIENT,
    "client_journal_new": Access.CLIENT,
    "client_lifestyle_new": Access.CLIENT,
    "client_social_new": Access.CLIENT,
    "client_record": Access.CLIENT,
    "client_record_edit": Access.CLIENT,
    "client_record_delete": Access.CLIENT,
    "client_record_share": Access.CLIENT,
    "client_record_reply": Access.CLIENT,
    "client_record_unlink": Access.CLIENT,
    "client_people": Access.CLIENT,
    "client_person_edit": Access.CLIENT,
    "client_person_delete": Access.CLIENT,
    "client_sharing_default": Access.CLIENT,
    "client_export": Access.CLIENT,
    "client_erase": Access.CLIENT,
    "goodbye": Access.PUBLIC,
    "therapist_timeline": Access.THERAPIST,
    "therapist_record": Access.THERAPIST,
    "therapist_record_no_reply_needed": Access.THERAPIST,
    "calendar_feed": Access.PUBLIC,  # the signed, revocable key in the URL is the credential
    "api-template-list": Access.THERAPIST,
    "api-template-detail": Access.THERAPIST,
    "api-assignment-list": Access.SIGNED_IN,
    "api-assignment-detail": Access.SIGNED_IN,
    "api-assignment-pause": Access.THERAPIST,
    "api-assignment-resume": Access.THERAPIST,
    "api-assignment-end": Access.THERAPIST,
    "api-completion-list": Access.SIGNED_IN,
    "api-completion-detail": Access.SIGNED_IN,
    "api-adherence": Access.SIGNED_IN,
    # Client records: the client writes, their therapist reads what is shared.
    "api-journal-list": Access.SIGNED_IN,
    "api-journal-detail": Access.SIGNED_IN,
    "api-journal-unlink": Access.CLIENT,
    "api-lifestyle-unlink": Access.CLIENT,
    "api-social-unlink": Access.CLIENT,
    "api-lifestyle-list": Access.SIGNED_IN,
    "api-lifestyle-detail": Access.SIGNED_IN,
    "api-social-list": Access.SIGNED_IN,
    "api-social-detail": Access.SIGNED_IN,
    "api-person-list": Access.CLIENT,
    "api-person-detail": Access.CLIENT,
    "api-sharing-list": Access.CLIENT,
    "api-sharing-detail": Access.CLIENT,
    "api-feedback": Access.SIGNED_IN,
    "api-replies-unread": Access.CLIENT,  # replies to the client, on their own records
    "api-feedback-no-reply-needed": Access.THERAPIST,
    "api-timeline": Access.THERAPIST,
    "api-trigger-suggestions": Access.CLIENT,
    "api-export": Access.CLIENT,
    "api-erasure": Access.CLIENT,
    # Care plans: the client and their therapist; `CarePlan.objects.visible_to` decides whose.
    "client_plan": Access.CLIENT,
    "client_triggered": Access.CLIENT,
    "client_triggered_other": Access.CLIENT,
    "client_triggered_steps": Access.CLIENT,
    "client_trigger_rate": Access.CLIENT,
    "therapist_client_plan": Access.THERAPIST,
    "plan_detail": Access.SIGNED_IN,
    "plan_history": Access.SIGNED_IN,
    "plan_item_add": Access.SIGNED_IN,
    "plan_version_agree": Access.THERAPIST,
    "plan_item_edit": Access.SIGNED_IN,
    "plan_item_move": Access.SIGNED_IN,
    "plan_item_remove": Access.SIGNED_IN,
    "plan_item_link": Access.SIGNED_IN,
    "api-plan-list": Access.SIGNED_IN,  # GET lists; POST opens (makes) a relationship's plan
    "api-plan-detail": Access.SIGNED_IN,
    "api-plan-items": Access.SIGNED_IN,
    "api-plan-reorder": Access.SIGNED_IN,
    "api-plan-versions": Access.SIGNED_IN,
    "api-plan-diff": Access.SIGNED_IN,
    "api-plan-agree": Access.THERAPIST,
    "api-plan-item-detail": Access.SIGNED_IN,
    "api-plan-item-homework": Access.SIGNED_IN,
    "api-trigger-log-list": Access.SIGNED_IN,
    "api-trigger-log-detail": Access.SIGNED_IN,
    # "To bring to my session": the client writes their lines; their therapist reads them.
    "client_bring": Access.CLIENT,
    "client_bring_add": Access.CLIENT,
    "client_bring_move": Access.CLIENT,
    "client_bring_remove": Access.CLIENT,
    "api-bring-item-list": Access.SIGNED_IN,
    "api-bring-item-detail": Access.SIGNED_IN,
    # Progress: charts and "what helps"; the client's own, or a therapist's active client's
    # shared records (the series decide what is counted through `visible_to`).
    "client_progress": Access.CLIENT,
    "therapist_client_progress": Access.THERAPIST,
    "api-progress-series": Access.SIGNED_IN,
    "api-progress-insights": Access.SIGNED_IN,
    # Notifications: preferences, the weekly pages, and one-click unsubscribe.
    "client_notifications": Access.CLIENT,
    "client_my_week": Access.CLIENT,
    "therapist_notifications": Access.THERAPIST,
    "therapist_weekly_review": Access.THERAPIST,
    "unsubscribe": Access.PUBLIC,  # the signed, purpose-bound token is the credential
    "api-notification-preferences": Access.SIGNED_IN,
    # Push devices: each person their own (`own_rows_visible_to`); the server's public key.
    "api-push-key": Access.SIGNED_IN,
    "api-push-subscription-list": Access.SIGNED_IN,
    "api-push-subscription-detail": Access.SIGNED_IN,
    "push_device_rename": Access.SIGNED_IN,
    "push_device_remove": Access.SIGNED_IN,
    # Sessions: the therapist records, moves and cancels them for their active clients
    # (`Appointment.objects.visible_to` narrows to their own); their calendar feed of all of
    # them is opened by its signed, revocable key, like the client's.
    "therapist_session_new": Access.THERAPIST,
    "therapist_session_move": Access.THERAPIST,
    "therapist_session_cancel": Access.THERAPIST,
    "therapist_calendar": Access.THERAPIST,
    "therapist_calendar_feed": Access.PUBLIC,  # the signed, revocable key is the credential
    # Measures: the client answers; their therapist sets them and reads the results.
    "client_measures": Access.CLIENT,
    "client_measure_take": Access.CLIENT,
    "client_measure_result": Access.CLIENT,
    "therapist_measures": Access.THERAPIST,
    "therapist_measure_assign": Access.THERAPIST,
    "therapist_measure_end": Access.THERAPIST,
    "api-measure-assignment-list": Access.SIGNED_IN,
    "api-measure-assignment-detail": Access.SIGNED_IN,
    "api-measure-assignment-end": Access.THERAPIST,
    "api-measure-response-list": Access.SIGNED_IN,
    "api-measure-response-detail": Access.SIGNED_IN,
    # Safety: where to find help now is open to anyone, signed in or not.
    "crisis": Access.PUBLIC,
    # The therapist's alerts: `SafetyAlert.objects.visible_to` narrows to their own.
    "therapist_alerts": Access.THERAPIST,
    "therapist_alert_acknowledge": Access.THERAPIST,
    "api-alert-list": Access.THERAPIST,
    "api-alert-acknowledge": Access.THERAPIST,
    # Sessions API: a client's own sessions, a therapist's within active care
    # (`Appointment.objects.visible_to`); only the therapist records and changes them.
    "api-session-list": Access.SIGNED_IN,  # GET lists; POST (a therapist) records one
    "api-session-detail": Access.SIGNED_IN,  # GET; PATCH (a therapist) moves it
    "api-session-cancel": Access.THERAPIST,
    "api-session-mark": Access.THERAPIST,
    "api-series-list": Access.SIGNED_IN,  # GET lists; POST (a therapist) sets one up
    "api-series-detail": Access.SIGNED_IN,
    # Sessions, the brief and after: the therapist's own sessions (strangers 404); the
    # client opens the note written to them.
    "therapist_session_brief": Access.THERAPIST,
    "therapist_session_after": Access.THERAPIST,
    "therapist_session_mark": Access.THERAPIST,
    "therapist_session_agree": Access.THERAPIST,
    "therapist_session_recap": Access.THERAPIST,
    "client_session_recap": Access.CLIENT,
    "api-session-brief": Access.THERAPIST,
    "api-session-recap": Access.THERAPIST,
}

# Whole families of routes that guard themselves: allauth's sign-in pages are public or
# check sign-in on their own; the admin site requires staff (and signs in through allauth).
ROUTE_PREFIXES: dict[str, Access] = {
    "account_": Access.PUBLIC,
    # Between password and code the person is not signed in yet; allauth guards the stage.
    "mfa_authenticate": Access.PUBLIC,
    "mfa_trust": Access.PUBLIC,
    "mfa_": Access.SIGNED_IN,
    "admin:login": Access.PUBLIC,
    "admin:": Access.STAFF,
}


def route_access(view_name: str | None) -> Access | None:
    """The access rule of a named route, or None when the route has no policy."""
    if not view_name:
        return None
    if view_name in ROUTES:
        return ROUTES[view_name]
    for prefix, access in ROUTE_PREFIXES.items():
        if view_name.startswith(prefix):
            return access
    return None


def role_allows(user, access: Access) -> bool:
    """Does the route's rule admit this (possibly anonymous) user by role?"""
    if access == Access.PUBLIC:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    match access:
        case Access.SIGNED_IN:
            return True
        case Access.CLIENT:
            return user.role == Role.CLIENT
        case Access.THERAPIST:
            return user.role == Role.THERAPIST
        case Access.STAFF:
            return user.is_staff
    return False


def mfa_required(user) -> bool:
    """Therapists and staff must have TOTP before they see anything about a client."""
    return bool(
        settings.TANDEM_REQUIRE_MFA
        and user.is_authenticated
        and (user.role in (Role.THERAPIST, Role.STAFF) or user.is_staff)
    )


def mfa_satisfied(user) -> bool:
    """Has the user the TOTP their role needs? Asked once per request (memoised on the
    request's user object, which lives as long as the request)."""
    if not mfa_required(user):
        return True
    cached = getattr(user, "_tandem_has_totp", None)
    if cached is None:
        cached = bool(_totp_of(user_id=user.pk))
        user._tandem_has_totp = cached
    return cached


@prepared
def _totp_of(*, user_id: int):
    """The user's TOTP authenticator, if they have one (its id, or nothing)."""
    from allauth.mfa.models import Authenticator

    totp = Authenticator.objects.filter(user_id=user_id, type=Authenticator.Type.TOTP)
    return totp.values_list("pk", flat=True)[:1]


def clients_visible_to(user, queryset: QuerySet[User] | None = None) -> QuerySet[User]:
    """Clients whose records the user may see: themselves, or a therapist's active clients."""
    queryset = User.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.role == Role.CLIENT:
        return queryset.filter(pk=user.pk)
    if user.role == Role.THERAPIST and mfa_satisfied(user):
        return queryset.filter(
            role=Role.CLIENT,
            care_relationships__therapist=user,
            care_relationships__status=CareStatus.ACTIVE,
        ).distinct()
    return queryset.none()


def care_relationships_visible_to(
    user, queryset: QuerySet[CareRelationship] | None = None
) -> QuerySet[CareRelationship]:
    """A therapist sees their caseload (with MFA); a client sees their own relationships."""
    queryset = CareRelationship.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.role == Role.CLIENT:
        return queryset.filter(client=user)
    if user.role == Role.THERAPIST and mfa_satisfied(user):
        return queryset.filter(therapist=user)
    return queryset.none()


@prepared
def _clients_with(*, viewer, public_id: uuid.UUID):
    """The client of this public id, if the viewer may see their records (one or none)."""
    return clients_visible_to(viewer).filter(public_id=public_id)


def get_client_for_user(user, public_id) -> User:
    """The client of this public id whose records the user may see, or 404."""
    public_id = _uuid_or_404(public_id)
    found = _clients_with(viewer=user, public_id=public_id)
    if len(found) != 1:
        raise Http404("No such client.")
    return found[0]


def _uuid_or_404(value) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such client.") from None


def get_relationship_for_user(user, public_id, **filters) -> CareRelationship:
    return get_object_or_404(
        care_relationships_visible_to(user).select_related("therapist", "client"),
        public_id=public_id,
        **filters,
    )


@prepared
def _active_relationships_with(*, viewer, client_public_id: uuid.UUID):
    """The viewer's active relationships with the client of this public id (one or none)."""
    relationships = care_relationships_visible_to(viewer).active()
    return relationships.select_related("therapist", "client").filter(
        client__public_id=client_public_id
    )


def get_active_relationship_for_client(user, client_public_id) -> CareRelationship:
    """The user's active care relationship with this client, or 404."""
    client_public_id = _uuid_or_404(client_public_id)
    found = _active_relationships_with(viewer=user, client_public_id=client_public_id)
    if len(found) != 1:
        raise Http404("No such client.")
    return found[0]


# --- Records of the apps above: they pass their querysets in, so this module imports none.


def client_records_visible_to(
    user, queryset: QuerySet, *, client_field: str = "client", relationship_field: str | None = None
) -> QuerySet:
    """A client's own records; for a therapist (with MFA), those of their active clients.

    With `relationship_field`, a therapist sees only records made within their own active
    relationship (a client's other therapist does not see them).
    """
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.role == Role.CLIENT:
        return queryset.filter(**{client_field: user})
    if user.role == Role.THERAPIST and mfa_satisfied(user):
        if relationship_field:
            return queryset.filter(
                **{
                    f"{relationship_field}__therapist": user,
                    f"{relationship_field}__status": CareStatus.ACTIVE,
                }
            )
        return queryset.filter(**{f"{client_field}__in": clients_visible_to(user)})
    return queryset.none()


def own_rows_visible_to(user, queryset: QuerySet, *, user_field: str = "user") -> QuerySet:
    """A person's own settings rows (their push devices): theirs alone, whatever their role."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    return queryset.filter(**{user_field: user})


def templates_visible_to(user, queryset: QuerySet) -> QuerySet:
    """Homework templates: the shared library and the therapist's own."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.role == Role.THERAPIST:
        return queryset.filter(Q(owner__isnull=True, is_active=True) | Q(owner=user))
    return queryset.none()


def shared_records_visible_to(
    user, queryset: QuerySet, *, client_field: str = "client"
) -> QuerySet:
    """A client's own records, shared or not; for a therapist (with MFA), only the records
    their active clients chose to share. Staff see none through the portals or the API."""
    if user.is_authenticated and user.role == Role.THERAPIST:
        queryset = queryset.filter(shared=True)
    return client_records_visible_to(user, queryset, client_field=client_field)


# --- Prepared queries (accounts.prepared) keep one compiled query for all the viewers the
# choices above treat alike. A choice on anything else of the user must be added here.


def viewer_shape(user) -> tuple:
    """What the choices above turn on for `user`, besides who they are."""
    return (
        bool(user.is_authenticated),
        bool(user.is_active),
        user.role,
        bool(user.is_staff),
        mfa_satisfied(user),
    )


def stand_in_viewer(user, pk: int) -> User:
    """A user the choices above treat as they treat `user`, with another primary key."""
    stand_in = User(pk=pk, role=user.role, is_active=user.is_active, is_staff=user.is_staff)
    stand_in._tandem_has_totp = mfa_satisfied(user)
    return stand_in
