"""The API keeps its own OpenAPI schema: a fuzzer (schemathesis) calls every operation as each
role on a small seed, in-process, and checks every answer against the schema.

Each operation gets examples that follow the schema and examples that break it (wrong types,
missing fields). Checks: no server error; the status code is documented; the content type is
documented; the body matches the documented schema. The examples are derandomized, so a run is
repeatable.
"""

from datetime import time, timedelta
from functools import partial

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis import checks as st_checks

from accounts import services as account_services
from accounts.clock import local_today
from appointments import services as appointment_services
from careplans import services as careplan_services
from clients import services as record_services
from homework import services as homework_services
from homework.models import Completion
from homework.schedules import iso_week_monday
from measures import services as measure_services
from notifications.models import PushSubscription
from safety.models import Source
from safety.services import raise_alert
from tests.conftest import make_personas

# One worker builds the seed and signs the roles in, for the whole module.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("schema")]

ROLES = {"anonymous": None, "client": "client_a", "therapist": "therapist_a", "staff": "staff"}
# Examples per operation and role: enough to reach the error answers (bad input, unknown ids)
# and the good ones, within the suite's time budget (about a minute for the whole module).
MAX_EXAMPLES = 4
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
]


def api_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def build_seed() -> dict:
    """Client A with their therapist: one of each record, a care plan with an item that
    names nobody and an unrated trigger log, questionnaires, an open alert; an invitation."""
    personas = make_personas()
    client, therapist = personas.client_a, personas.therapist_a
    relationship = personas.relationship_a
    today = local_today(client.timezone)
    assignment = homework_services.assignment_create(
        therapist=therapist,
        relationship=relationship,
        frequency="daily",
        start_date=today - timedelta(days=3),
        kind="journal",
        title="Mood journal",
        reminder_time="16:22",
    )
    yesterday = today - timedelta(days=1)
    completion = Completion.objects.create(
        assignment=assignment, client=client, due_date=yesterday, week=iso_week_monday(yesterday)
    )
    template = homework_services.template_create(owner=therapist, kind="social", title="Call")
    journal = record_services.journal_create(client=client, text="A calm day", shared=True)
    record_services.feedback_create(author=therapist, record=journal, text="Noted")
    lifestyle = record_services.lifestyle_create(
        client=client, day=yesterday, sleep_hours=8, shared=True
    )
    person = record_services.person_create(client=client, name="Sam", kind="friend")
    social = record_services.social_create(
        client=client, person=person, mode="call", minutes=20, shared=True
    )
    plan = careplan_services.plan_for_relationship(relationship)
    add = partial(careplan_services.item_add, author=therapist, plan=plan)
    trigger = add(section="triggers", text="Crowded trains", steps=["Breathe"])
    add(section="needs", text="Sleep")
    log = careplan_services.trigger_log_create(client=client, plan=plan, item=trigger)
    setting = {"therapist": therapist, "relationship": relationship}
    due = measure_services.measure_assign(**setting, instrument="phq9")
    answered = measure_services.measure_assign(**setting, instrument="gad7")
    response = measure_services.response_submit(client=client, assignment=answered, answers=[1] * 7)
    session = appointment_services.appointment_create(
        therapist=therapist,
        relationship=relationship,
        day=local_today(therapist.timezone) + timedelta(days=3),
        start_time=time(17),
    ).appointments[0]
    line = appointment_services.bring_add(client=client, appointment=session, text="Sleep")
    (alert,) = raise_alert(client=client, source=Source.JOURNAL, reference=journal.public_id)
    # Sessions: one to come, a weekly series, and one held (to mark).
    care = {"therapist": therapist, "relationship": relationship}
    therapist_today = local_today(therapist.timezone)
    (session,) = appointment_services.appointment_create(
        **care, day=therapist_today + timedelta(days=2), start_time=time(10)
    ).appointments
    series = appointment_services.series_create(
        **care, first_day=therapist_today + timedelta(days=3), start_time=time(14), count=3
    ).series
    appointment_services.appointment_create(
        **care, day=therapist_today - timedelta(days=2), start_time=time(10), status="held"
    )
    invitation = account_services.invitation_create(
        therapist=therapist, email="someone.new@example.org"
    )
    device = PushSubscription.objects.create(
        user=client,
        endpoint="https://push.example.org/send/abc",
        p256dh="BOr1eKwq8w0Os3lHZ2Ru4IvEn0NU3ktA7iz4JBuDPlJPrc6QOsQGhLiVEoH7Vg0sVnxyoT1qhKdb8gvSn6eUVNc",
        auth="AAECAwQFBgcICQoLDA0ODw",
    )
    # Path parameters by the collection they name: the fuzzer asks about real objects.
    ids = {
        "alerts": alert,
        "assignments": assignment,
        "bring-items": line,
        "clients": client,
        "completions": completion,
        "invitations": invitation,
        "journal": journal,
        "lifestyle": lifestyle,
        "measure-assignments": due,
        "measure-responses": response,
        "people": person,
        "plan-items": trigger,
        "plans": plan,
        "push": device,
        "relationships": relationship,
        "series": series,
        "sessions": session,
        "sharing": relationship,
        "social": social,
        "templates": template,
        "trigger-logs": log,
    }
    return {
        "personas": personas,
        "ids": {name: str(obj.public_id) for name, obj in ids.items()},
    }


@pytest.fixture(scope="module")
def connection_kept():
    """The WSGI app runs in the test's own transaction: the connection must stay open around
    each request, as Django's test client keeps it."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture(scope="module")
def seed(django_db_setup, django_db_blocker, connection_kept):
    """Built once for the module, in a transaction rolled back at its end; each test runs in
    a savepoint within it, so what one test's examples change is undone for the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_seed()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def sessions(seed, django_db_blocker) -> dict[str, str]:
    """Each role's session (role -> session key), signed in once in the module's
    transaction: what an example does to it is undone with the test's savepoint."""
    keys = {}
    with django_db_blocker.unblock():
        for role, persona in ROLES.items():
            if persona is not None:
                client = Client()
                client.force_login(seed["personas"].all()[persona])
                keys[role] = client.cookies["sessionid"].value
    return keys


@pytest.fixture(scope="module")
def api_schema(seed, django_db_blocker):
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())


@pytest.fixture
def in_process(db, settings):
    """The fuzzer's host is allowed; the rate limit is out of the way."""
    settings.ALLOWED_HOSTS = ["localhost"]
    # The rate limit is tested on its own (tests/config/test_throttling.py); here it would
    # answer most examples with 429.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(
            ("user_burst", "user_sustained", "anon_burst", "anon_sustained"), "100000/min"
        ),
    }


def credentials_for(session: str | None) -> dict[str, dict[str, str]]:
    """The role's session (none for anonymous), with the CSRF cookie and header a browser
    would send."""
    csrf = _get_new_csrf_string()
    cookies = {"csrftoken": csrf}
    if session is not None:
        cookies["sessionid"] = session
    return {"cookies": cookies, "headers": {"X-CSRFToken": csrf}}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), api_operations())
def test_the_api_answers_as_its_schema_says(
    api_schema, seed, sessions, in_process, role, method, path
):
    credentials = credentials_for(sessions.get(role))
    operation = api_schema[path][method]
    collection = path.removeprefix("/api/v1/").split("/")[0]
    path_parameters = None
    if "{public_id}" in path and collection in seed["ids"]:
        path_parameters = {"public_id": seed["ids"][collection]}

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=st.one_of(
            operation.as_strategy(path_parameters=path_parameters),
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=path_parameters),
        )
    )
    def fuzz(case):
        case.call_and_validate(**credentials, checks=CHECKS)

    fuzz()


@pytest.mark.parametrize(
    ("role", "path", "component", "field"),
    [
        ("client", "/api/v1/journal/", "JournalEntry", "completion"),
        ("client", "/api/v1/social/", "SocialActivity", "person_name"),
        ("therapist", "/api/v1/alerts/", "Alert", "acknowledged_by"),
        ("client", "/api/v1/trigger-logs/", "TriggerLog", "helped"),
    ],
)
def test_a_field_that_can_be_null_is_declared_nullable(
    api_schema, seed, sessions, in_process, role, path, component, field
):
    user = seed["personas"].all()[ROLES[role]]
    if component == "SocialActivity":
        record_services.social_create(client=user, mode="call", minutes=5)  # with nobody
    if component == "JournalEntry":  # an entry that counts for no homework
        entry = record_services.journal_create(client=user, text="just a note")
        for assignment in {c.assignment for c in entry.completions.all()}:
            record_services.record_unlink(record=entry, assignment=assignment)
    response = api_schema[path]["GET"].Case().call(**credentials_for(sessions[role]))
    assert None in [row[field] for row in response.json()["results"]]
    schema = api_schema.raw_schema["components"]["schemas"][component]["properties"][field]
    assert schema.get("nullable") is True


@pytest.mark.parametrize("role", ROLES)
def test_the_fuzzer_signs_in_as_each_role(api_schema, seed, sessions, in_process, role):
    """Else every operation would be a documented 403, and the run would prove little."""
    persona = ROLES[role]
    user = seed["personas"].all()[persona] if persona else None
    response = api_schema["/api/v1/me/"]["GET"].Case().call(**credentials_for(sessions.get(role)))
    if user is None:
        assert response.status_code == 403
    else:
        assert (response.status_code, response.json()["email"]) == (200, user.email)


def operations_of(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_every_operation_lists_its_error_answers_with_their_bodies():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for method, path, operation in operations_of(schema):
        responses = operation["responses"]
        assert {"403", "429"} <= set(responses), (method, path)
        assert "Retry-After" in responses["429"]["headers"]
        for code, answer in responses.items():
            if code.startswith("4"):
                assert answer["content"]["application/json"]["schema"], (method, path, code)
        if "{public_id}" in path or "requestBody" in operation:
            assert "404" in responses, (method, path)
        if method != "get":
            assert "400" in responses, (method, path)
    paths = schema["paths"]
    assert paths["/api/v1/me/"]["get"]["responses"].keys() == {"200", "403", "429"}
    conflict = paths["/api/v1/plan-items/{public_id}/"]["patch"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PlanConflict"
    }
    answered = paths["/api/v1/measure-responses/"]["post"]["responses"]["409"]
    assert answered["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MeasureConflict"
    }


def test_a_plans_versions_and_diff_are_plain_lists():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for action in ("versions", "diff"):
        answer = paths[f"/api/v1/plans/{{public_id}}/{action}/"]["get"]["responses"]["200"]
        assert answer["content"]["application/json"]["schema"]["type"] == "array"
