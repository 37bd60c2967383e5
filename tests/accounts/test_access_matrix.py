"""The access matrix: every route, by each method it serves, by each of the six personas.

Rules (TRUST.md, "Who sees what"): anonymous people are sent to sign in on pages and refused
(403) by the API; the wrong role gets 403; the right role asking for someone else's object
gets 404, exactly like an object that does not exist; the owner gets the page or the change.
Nobody but client A, A's therapist (and staff in the admin) ever sees client A's details.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts import services
from accounts.checks import iter_routes
from accounts.models import CareRelationship, CareStatus, User
from accounts.policy import clients_visible_to
from tests.conftest import Personas, make_active_relationship
from tests.factories import ClientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "client_a", "client_b", "therapist_a", "therapist_b", "staff")
# Everyone who must never see client A's details outside the admin.
STRANGERS_TO_A = ("anonymous", "client_b", "therapist_b", "staff")
CLIENT_A_DETAILS = ("client.a@example.org", "Ada Alpha")
NEW_INVITEE = "new.person@example.org"

# Route families that guard themselves and are walked separately below.
SELF_GUARDED_PREFIXES = ("admin:", "account_", "mfa_")


@dataclass(frozen=True)
class Redirect:
    """A 302 to the named route (any query string, such as `?next=`, is allowed)."""

    to: str

    def __repr__(self) -> str:
        return f"302→{self.to}"


Outcome = int | Redirect

LOGIN = Redirect("account_login")


@dataclass
class World:
    """The personas plus a pending invitation from A's therapist (to client B's address)."""

    personas: Personas
    invitation: CareRelationship

    def user(self, persona: str) -> User | None:
        return self.personas.all()[persona]

    def snapshot(self) -> list[tuple]:
        """The state a refused request must leave untouched."""
        relationships = CareRelationship.objects.order_by("pk").values_list(
            "public_id", "status", "client_id", "invitation_expires_at", "ended_at"
        )
        return [*relationships, ("users", User.objects.count())]


def row(
    anonymous: Outcome,
    client_a: Outcome,
    client_b: Outcome,
    therapist_a: Outcome,
    therapist_b: Outcome,
    staff: Outcome,
) -> dict[str, Outcome]:
    return dict(
        zip(PERSONAS, (anonymous, client_a, client_b, therapist_a, therapist_b, staff), strict=True)
    )


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(PERSONAS, outcome)


@dataclass(frozen=True)
class Call:
    expect: dict[str, Outcome]
    data: Callable[[World], dict] | None = None
    # Who changes something with this call, and how to see that it happened; for everyone
    # else the database must be left exactly as it was.
    writes: dict[str, Callable[[World], bool]] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    methods: dict[str, Call]
    kwargs: Callable[[World], dict] = field(default=lambda world: {})
    api: bool = False


def client_a_id(world: World) -> dict:
    return {"public_id": world.personas.client_a.public_id}


def relationship_a_id(world: World) -> dict:
    return {"public_id": world.personas.relationship_a.public_id}


def invitation_id(world: World) -> dict:
    return {"public_id": world.invitation.public_id}


def invitation_token(world: World) -> dict:
    return {"token": services.invitation_token(world.invitation)}


def new_invitee(world: World) -> dict:
    return {"email": NEW_INVITEE}


def status_of(relationship: CareRelationship) -> str:
    relationship.refresh_from_db()
    return relationship.status


def relationship_a_ended(world: World) -> bool:
    return status_of(world.personas.relationship_a) == CareStatus.ENDED


def invitation_withdrawn(world: World) -> bool:
    return status_of(world.invitation) == CareStatus.ENDED


def invitation_renewed(world: World) -> bool:
    old_expiry = world.invitation.invitation_expires_at
    world.invitation.refresh_from_db()
    return world.invitation.invitation_expires_at > old_expiry


def invitation_accepted_by_b(world: World) -> bool:
    world.invitation.refresh_from_db()
    return world.invitation.client == world.personas.client_b


def new_invitee_invited(world: World) -> bool:
    return CareRelationship.objects.filter(
        invited_email=NEW_INVITEE, status=CareStatus.INVITED
    ).exists()


TO_CLIENT = Redirect("client_home")
TO_THERAPIST = Redirect("therapist_home")
TO_ADMIN = Redirect("admin:index")

# One entry per route outside the admin and allauth. Columns of `row`:
#   anonymous, client_a, client_b, therapist_a (A's), therapist_b (B's), staff
CASES: dict[str, Route] = {
    # Portals ------------------------------------------------------------------------
    "home": Route(
        {"GET": Call(row(LOGIN, TO_CLIENT, TO_CLIENT, TO_THERAPIST, TO_THERAPIST, TO_ADMIN))}
    ),
    "healthz": Route({"GET": Call(everyone(200))}),
    # The invitation is addressed to client B: the token is the key, B is its owner.
    "invitation_accept": Route(
        {
            "GET": Call(row(200, 410, 200, 410, 410, 410)),
            "POST": Call(
                row(200, 410, TO_CLIENT, 410, 410, 410),
                writes={"client_b": invitation_accepted_by_b},
            ),
        },
        kwargs=invitation_token,
    ),
    "client_home": Route({"GET": Call(row(LOGIN, 200, 200, 403, 403, 403))}),
    "client_relationship_end": Route(
        {
            "POST": Call(
                row(LOGIN, TO_CLIENT, 404, 403, 403, 403),
                writes={"client_a": relationship_a_ended},
            )
        },
        kwargs=relationship_a_id,
    ),
    "therapist_home": Route({"GET": Call(row(LOGIN, 403, 403, 200, 200, 403))}),
    "therapist_invite": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_THERAPIST, TO_THERAPIST, 403),
                data=new_invitee,
                writes={"therapist_a": new_invitee_invited, "therapist_b": new_invitee_invited},
            )
        }
    ),
    "therapist_invitation_resend": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_THERAPIST, 404, 403),
                writes={"therapist_a": invitation_renewed},
            )
        },
        kwargs=invitation_id,
    ),
    "therapist_invitation_revoke": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_THERAPIST, 404, 403),
                writes={"therapist_a": invitation_withdrawn},
            )
        },
        kwargs=invitation_id,
    ),
    "therapist_client_detail": Route(
        {"GET": Call(row(LOGIN, 403, 403, 200, 404, 403))}, kwargs=client_a_id
    ),
    "therapist_relationship_end": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_THERAPIST, 404, 403),
                writes={"therapist_a": relationship_a_ended},
            )
        },
        kwargs=relationship_a_id,
    ),
    # API: DRF answers 403 to anonymous requests (SessionAuthentication comes first and
    # sends no WWW-Authenticate challenge, so there is no 401). ------------------------
    "api-schema": Route({"GET": Call(everyone(200))}, api=True),
    "api-docs": Route({"GET": Call(everyone(200))}, api=True),
    "api-me": Route({"GET": Call(row(403, 200, 200, 200, 200, 200))}, api=True),
    "api-client-list": Route({"GET": Call(row(403, 403, 403, 200, 200, 403))}, api=True),
    "api-client-detail": Route(
        {"GET": Call(row(403, 403, 403, 200, 404, 403))}, kwargs=client_a_id, api=True
    ),
    "api-invitation-list": Route(
        {
            "GET": Call(row(403, 403, 403, 200, 200, 403)),
            "POST": Call(
                row(403, 403, 403, 201, 201, 403),
                data=new_invitee,
                writes={"therapist_a": new_invitee_invited, "therapist_b": new_invitee_invited},
            ),
        },
        api=True,
    ),
    "api-invitation-detail": Route(
        {
            "GET": Call(row(403, 403, 403, 200, 404, 403)),
            "DELETE": Call(
                row(403, 403, 403, 204, 404, 403), writes={"therapist_a": invitation_withdrawn}
            ),
        },
        kwargs=invitation_id,
        api=True,
    ),
    "api-relationship-list": Route({"GET": Call(row(403, 200, 200, 200, 200, 200))}, api=True),
    "api-relationship-detail": Route(
        {"GET": Call(row(403, 200, 404, 200, 404, 404))}, kwargs=relationship_a_id, api=True
    ),
    "api-relationship-end": Route(
        {
            "POST": Call(
                row(403, 200, 404, 200, 404, 404),
                writes={"client_a": relationship_a_ended, "therapist_a": relationship_a_ended},
            )
        },
        kwargs=relationship_a_id,
        api=True,
    ),
}

ALL_ROUTES = list(iter_routes())
ROUTE_NAMES = {name for _path, name in ALL_ROUTES}

# allauth routes are walked whole; those with URL parameters get a made-up key.
ALLAUTH_KWARGS = {
    "account_confirm_email": {"key": "not-a-real-key"},
    "account_reset_password_from_key": {"uidb36": "1", "key": "not-a-real-key"},
}
ALLAUTH_ROUTES = sorted(
    name for name in ROUTE_NAMES if name and name.startswith(("account_", "mfa_"))
)

# The admin is walked by its entry points: staff only, sign-in through allauth.
ADMIN_ROUTES = [
    "admin:index",
    "admin:login",
    *sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
    ),
    "admin:accounts_user_change",
]
ADMIN_EXPECT = {
    **dict.fromkeys(ADMIN_ROUTES, row(LOGIN, 403, 403, 403, 403, 200)),
    # The admin's own sign-in page (allauth's `secure_admin_login`) sends staff on.
    "admin:login": row(LOGIN, 403, 403, 403, 403, Redirect("admin:index")),
}


@pytest.fixture
def world(personas) -> World:
    invitation = services.invitation_create(
        therapist=personas.therapist_a, email=personas.client_b.email
    )
    return World(personas=personas, invitation=invitation)


def sign_in(client, user: User | None) -> None:
    client.logout()
    if user is not None:
        client.force_login(user)


def request(client, method: str, url: str, data: dict | None, *, api: bool):
    send = getattr(client, method.lower())
    if method == "GET":
        return send(url)
    if api:
        return send(url, data or {}, content_type="application/json")
    return send(url, data or {})


def assert_outcome(response, expected: Outcome) -> None:
    if isinstance(expected, Redirect):
        assert response.status_code == 302, response.content[:500]
        assert urlsplit(response["Location"]).path == reverse(expected.to)
    else:
        assert response.status_code == expected, response.content[:500]


def assert_no_trace_of_client_a(response) -> None:
    body = response.content.decode(errors="replace")
    for detail in CLIENT_A_DETAILS:
        assert detail not in body, f"client A's {detail!r} leaked"
    for header, value in response.items():
        for detail in CLIENT_A_DETAILS:
            assert detail not in value, f"client A's {detail!r} leaked in {header}"


def matrix() -> list:
    return [
        pytest.param(name, method, persona, id=f"{name}-{method}-{persona}")
        for name, route in CASES.items()
        for method in route.methods
        for persona in PERSONAS
    ]


@pytest.mark.parametrize(("view_name", "method", "persona"), matrix())
def test_it_answers_each_persona_as_the_policy_says(client, world, view_name, method, persona):
    route = CASES[view_name]
    call = route.methods[method]
    expected = call.expect[persona]
    sign_in(client, world.user(persona))
    url = reverse(view_name, kwargs=route.kwargs(world))
    before = world.snapshot()

    response = request(client, method, url, call.data and call.data(world), api=route.api)

    assert_outcome(response, expected)
    if persona in STRANGERS_TO_A:
        assert_no_trace_of_client_a(response)
    if persona in call.writes:
        assert call.writes[persona](world), "the request succeeded but nothing changed"
    else:
        assert world.snapshot() == before, f"{persona}'s {method} changed something"


def test_every_route_outside_admin_and_allauth_is_in_the_matrix():
    routes = {name for name in ROUTE_NAMES if name and not name.startswith(SELF_GUARDED_PREFIXES)}
    missing = sorted(routes - set(CASES))
    assert not missing, f"add these routes to CASES in {__name__}: {', '.join(missing)}"
    stale = sorted(set(CASES) - routes)
    assert not stale, f"CASES names routes that no longer exist: {', '.join(stale)}"


def test_every_allauth_route_with_parameters_has_made_up_ones():
    with_parameters = {
        name
        for path, name in ALL_ROUTES
        if name in ALLAUTH_ROUTES and ("<" in path or "(?P" in path)
    }
    assert with_parameters == set(ALLAUTH_KWARGS)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("view_name", ALLAUTH_ROUTES)
def test_allauth_pages_never_fail_nor_leak(client, world, view_name, persona):
    sign_in(client, world.user(persona))
    response = client.get(reverse(view_name, kwargs=ALLAUTH_KWARGS.get(view_name)))
    assert response.status_code < 500
    if view_name.startswith("mfa_") and persona == "anonymous":
        assert_outcome(response, LOGIN)
    if persona in STRANGERS_TO_A:
        assert_no_trace_of_client_a(response)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("view_name", ADMIN_ROUTES)
def test_the_admin_is_for_staff_only(client, world, view_name, persona):
    kwargs = {}
    if view_name == "admin:accounts_user_change":
        kwargs = {"object_id": world.personas.client_a.pk}
    sign_in(client, world.user(persona))
    response = client.get(reverse(view_name, kwargs=kwargs))
    assert_outcome(response, ADMIN_EXPECT[view_name][persona])
    if persona in STRANGERS_TO_A and persona != "staff":
        assert_no_trace_of_client_a(response)


# Who sees client A ------------------------------------------------------------------


def test_it_shows_client_a_to_their_therapist_only(client, personas):
    sign_in(client, personas.therapist_a)
    assert "Ada Alpha" in client.get(reverse("therapist_home")).content.decode()
    emails = [c["email"] for c in client.get(reverse("api-client-list")).json()["results"]]
    assert emails == ["client.a@example.org"]

    sign_in(client, personas.therapist_b)
    page = client.get(reverse("therapist_home")).content.decode()
    assert "Ada Alpha" not in page
    assert "Bea Beta" in page
    emails = [c["email"] for c in client.get(reverse("api-client-list")).json()["results"]]
    assert emails == ["client.b@example.org"]


@pytest.fixture
def therapist_without_totp(db):
    therapist = TherapistFactory(email="therapist.c@example.org", name="Dr. Cy Cole")
    client_c = ClientFactory(email="client.c@example.org", name="Cal Gamma")
    make_active_relationship(therapist, client_c)
    return therapist, client_c


def test_a_therapist_without_totp_sees_no_client(client, settings, therapist_without_totp):
    settings.TANDEM_REQUIRE_MFA = True
    therapist, _client_c = therapist_without_totp
    sign_in(client, therapist)

    assert_outcome(client.get(reverse("therapist_home")), Redirect("mfa_activate_totp"))
    response = client.get(reverse("api-client-list"))
    assert response.status_code == 403
    assert "Cal Gamma" not in response.content.decode()
    assert not clients_visible_to(therapist).exists()


def test_a_therapist_sees_their_client_when_totp_is_not_required(
    client, settings, therapist_without_totp
):
    settings.TANDEM_REQUIRE_MFA = False
    therapist, client_c = therapist_without_totp
    sign_in(client, therapist)

    assert list(clients_visible_to(therapist)) == [client_c]
    response = client.get(reverse("therapist_home"))
    assert response.status_code == 200
    assert "Cal Gamma" in response.content.decode()
    emails = [c["email"] for c in client.get(reverse("api-client-list")).json()["results"]]
    assert emails == ["client.c@example.org"]


def test_an_ended_relationship_closes_access_at_the_next_request(client, personas):
    sign_in(client, personas.therapist_a)
    detail = reverse("therapist_client_detail", kwargs={"public_id": personas.client_a.public_id})
    assert client.get(detail).status_code == 200
    assert client.get(reverse("api-client-list")).json()["count"] == 1

    services.relationship_end(actor=personas.therapist_a, relationship=personas.relationship_a)

    response = client.get(detail)
    assert response.status_code == 404
    assert_no_trace_of_client_a(response)
    response = client.get(reverse("api-client-list"))
    assert response.json()["count"] == 0
    assert_no_trace_of_client_a(response)
    api_detail = reverse("api-client-detail", kwargs={"public_id": personas.client_a.public_id})
    assert client.get(api_detail).status_code == 404
