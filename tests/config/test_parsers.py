"""Bad JSON bodies on the API's write endpoints are a 400 (or 413) with a message, never a 500,
and nothing is saved."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from accounts.models import CareRelationship
from config.parsers import JSONParser
from homework import services
from homework.models import Completion

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def daily_homework(personas):
    """Client A's daily journaling since a month ago, with "today" frozen for the test."""
    with time_machine.travel(NOW, tick=False):
        yield services.assignment_create(
            therapist=personas.therapist_a,
            relationship=personas.relationship_a,
            kind="journal",
            title="Mood journal",
            frequency="daily",
            start_date=NOW.date() - timedelta(days=30),
        )


@pytest.fixture
def as_client(personas) -> Client:
    browser = Client(raise_request_exception=False)
    browser.force_login(personas.client_a)
    return browser


@pytest.fixture
def as_therapist(personas) -> Client:
    browser = Client(raise_request_exception=False)
    browser.force_login(personas.therapist_a)
    return browser


def post_raw(browser: Client, url: str, body: bytes, content_type="application/json"):
    return browser.generic("POST", url, body, content_type=content_type)


def detail(response) -> str:
    return response.json()["detail"]


def test_deeply_nested_json_is_a_400_on_completions(as_client):
    response = post_raw(as_client, "/api/v1/completions/", b"[" * 200_000)
    assert response.status_code == 400, response.content[:300]
    assert "nested" in detail(response)
    assert not Completion.objects.exists()


def test_deeply_nested_json_is_a_400_on_invitations(as_therapist):
    before = CareRelationship.objects.count()
    response = post_raw(as_therapist, "/api/v1/invitations/", b'{"a":' * 100_000 + b"1")
    assert response.status_code == 400, response.content[:300]
    assert "nested" in detail(response)
    assert CareRelationship.objects.count() == before


def test_well_formed_but_too_deep_json_is_a_400(as_therapist):
    depth = JSONParser.max_depth + 1
    body = b'{"email": "x@example.org", "extra": ' + b"[" * depth + b"]" * depth + b"}"
    response = post_raw(as_therapist, "/api/v1/invitations/", body)
    assert response.status_code == 400
    assert f"more than {JSONParser.max_depth} levels" in detail(response)


def test_ordinary_nesting_is_accepted(as_therapist):
    body = b'{"email": "new.client@example.org", "extra": [[{"a": [1]}]]}'
    response = post_raw(as_therapist, "/api/v1/invitations/", body)
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "body",
    [b"[]", b"[1, 2]", b'"text"', b"42", b"null", b"true"],
    ids=["empty-list", "list", "string", "number", "null", "boolean"],
)
def test_a_body_that_is_not_a_json_object_is_a_400(as_therapist, body):
    response = post_raw(as_therapist, "/api/v1/invitations/", body)
    assert response.status_code == 400, response.content
    assert detail(response) == "The request body must be a JSON object."


@pytest.mark.parametrize(
    "body",
    [
        b'{"email": "\xff\xfe@example.org"}',
        b'{"email": "caf\xc3"}',
    ],
    ids=["invalid-bytes", "truncated-sequence"],
)
def test_invalid_utf8_is_a_400(as_therapist, body):
    response = post_raw(as_therapist, "/api/v1/invitations/", body)
    assert response.status_code == 400, response.content
    assert "UTF-8" in detail(response)


@pytest.mark.parametrize(
    "body",
    [
        b'{"email": "a\\u0000b@example.org"}',
        b'{"em\\u0000ail": "a@example.org"}',
        b'{"email": "a\x00b@example.org"}',
        b'\x00{"email": "a@example.org"}',
    ],
    ids=["escaped-in-value", "escaped-in-key", "raw-in-string", "raw-outside"],
)
def test_nul_characters_are_a_400(as_therapist, body):
    before = CareRelationship.objects.count()
    response = post_raw(as_therapist, "/api/v1/invitations/", body)
    assert response.status_code == 400, response.content
    assert CareRelationship.objects.count() == before


def test_a_nul_character_in_a_completion_note_is_a_400(as_client, daily_homework):
    assignment = daily_homework
    body = f'{{"assignment": "{assignment.public_id}", "note": "fine\\u0000"}}'.encode()
    response = post_raw(as_client, "/api/v1/completions/", body)
    assert response.status_code == 400, response.content
    assert "NUL" in detail(response)
    assert not Completion.objects.exists()


@pytest.mark.parametrize("body", [b"{", b'{"a": NaN}', b'{"a": 1e999999}', b"\xef\xbb\xbf{}"])
def test_malformed_json_is_a_400(as_therapist, body):
    response = post_raw(as_therapist, "/api/v1/invitations/", body)
    assert response.status_code == 400, response.content
    assert detail(response).startswith("JSON parse error")


TOO_LARGE = "The request body is too large: at most 1000 bytes."


def oversized_bodies() -> dict[str, tuple[bytes, str]]:
    pad = "x" * 2000
    boundary = "tandemboundary"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\n'
        f'a@example.org\r\n--{boundary}\r\nContent-Disposition: form-data; name="pad"\r\n'
        f"\r\n{pad}\r\n--{boundary}--\r\n"
    )
    return {
        "json": (f'{{"email": "a@example.org", "pad": "{pad}"}}'.encode(), "application/json"),
        "form": (f"email=a%40example.org&pad={pad}".encode(), "application/x-www-form-urlencoded"),
        "multipart": (multipart.encode(), f"multipart/form-data; boundary={boundary}"),
    }


@pytest.mark.parametrize("debug", [False, True], ids=["production", "demo"])
@pytest.mark.parametrize("kind", ["json", "form", "multipart"])
def test_a_body_over_the_upload_limit_is_a_json_413_that_names_the_limit(
    as_therapist, settings, kind, debug
):
    # nginx answers 413 before Django in production; without it (or under its limit), so does
    # the API, with DEBUG on (the demo) too.
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = CareRelationship.objects.count()
    body, content_type = oversized_bodies()[kind]
    response = post_raw(as_therapist, "/api/v1/invitations/", body, content_type=content_type)
    assert response.status_code == 413, response.content[:300]
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": TOO_LARGE}
    assert CareRelationship.objects.count() == before


def test_a_body_under_the_upload_limit_is_read(as_therapist, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b'{"email": "under.limit@example.org"}'
    assert post_raw(as_therapist, "/api/v1/invitations/", body).status_code == 201


# --- Form-encoded and multipart bodies: UTF-8 too -----------------------------------------


def multipart(fields: list[tuple[bytes, bytes]], boundary: str = "tandemboundary") -> tuple:
    parts = b"".join(
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (boundary.encode(), name, value)
        for name, value in fields
    )
    body = parts + b"--%s--\r\n" % boundary.encode()
    return body, f"multipart/form-data; boundary={boundary}"


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    "body",
    [b"email=%ff%fe%40example.org", b"email=caf%C3", b"email=\xff\xfe@example.org"],
    ids=["percent-encoded", "truncated-sequence", "raw-bytes"],
)
def test_a_form_encoded_body_that_is_not_utf8_is_a_400(as_therapist, body):
    before = CareRelationship.objects.count()
    response = post_raw(as_therapist, "/api/v1/invitations/", body, content_type=FORM)
    assert response.status_code == 400, response.content
    assert (
        detail(response)
        == "The request body is not valid UTF-8: the field 'email' cannot be decoded."
    )
    assert CareRelationship.objects.count() == before


def test_a_form_field_name_that_is_not_utf8_is_a_400(as_therapist):
    body = b"email=a%40example.org&%ff=1"
    response = post_raw(as_therapist, "/api/v1/invitations/", body, content_type=FORM)
    assert response.status_code == 400, response.content
    assert (
        detail(response) == "The request body is not valid UTF-8: a field name cannot be decoded."
    )


def test_a_completion_note_that_is_not_utf8_saves_nothing(as_client, daily_homework):
    assignment = daily_homework
    body = f"assignment={assignment.public_id}&note=".encode() + b"%ff%fe"
    response = post_raw(as_client, "/api/v1/completions/", body, content_type=FORM)
    assert response.status_code == 400, response.content
    assert "not valid UTF-8" in detail(response)
    assert not Completion.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        [(b"email", b"\xff\xfe@example.org")],
        [(b"email", b"a@example.org"), (b"note", b"caf\xc3")],
    ],
    ids=["invalid-bytes", "truncated-sequence"],
)
def test_a_multipart_body_that_is_not_utf8_is_a_400(as_therapist, fields):
    before = CareRelationship.objects.count()
    body, content_type = multipart(fields)
    response = post_raw(as_therapist, "/api/v1/invitations/", body, content_type=content_type)
    assert response.status_code == 400, response.content
    name = fields[-1][0].decode()
    assert detail(response) == (
        f"The request body is not valid UTF-8: the field '{name}' cannot be decoded."
    )
    assert CareRelationship.objects.count() == before


@pytest.mark.parametrize("kind", ["form", "multipart"])
def test_a_utf8_form_body_is_stored_whole(as_client, daily_homework, kind):
    from urllib.parse import urlencode

    assignment = daily_homework
    fields = {"assignment": str(assignment.public_id), "note": "Café, 散歩 ✓ + 100% 🙂"}
    if kind == "form":
        body, content_type = urlencode(fields).encode(), FORM
    else:
        body, content_type = multipart([(k.encode(), v.encode()) for k, v in fields.items()])
    response = post_raw(as_client, "/api/v1/completions/", body, content_type=content_type)
    assert response.status_code == 201, response.content
    assert Completion.objects.get().note == "Café, 散歩 ✓ + 100% 🙂"


def test_a_form_with_too_many_fields_is_a_json_400(as_therapist, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"f{n}=1" for n in range(20)).encode()
    response = post_raw(as_therapist, "/api/v1/invitations/", body, content_type=FORM)
    assert response.status_code == 400, response.content
    assert detail(response).startswith("The request body has too many parts")


@pytest.mark.parametrize("kind", ["form", "multipart"])
def test_a_browser_post_that_is_not_utf8_is_a_400_after_its_csrf_check(
    personas, daily_homework, kind
):
    """A session-authenticated POST is CSRF-checked first; the check reads the form fields
    through the same parsers."""
    from django.middleware.csrf import _get_new_csrf_string

    assignment = daily_homework
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(personas.client_a)
    token = _get_new_csrf_string()
    browser.cookies["csrftoken"] = token
    fields = [(b"assignment", str(assignment.public_id).encode()), (b"note", b"caf\xc3")]
    if kind == "form":
        body, content_type = b"assignment=%s&note=caf%%C3" % fields[0][1], FORM
    else:
        body, content_type = multipart(fields)
    response = browser.generic(
        "POST",
        "/api/v1/completions/",
        body,
        content_type=content_type,
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400, response.content
    assert (
        detail(response)
        == "The request body is not valid UTF-8: the field 'note' cannot be decoded."
    )
    assert not Completion.objects.exists()
