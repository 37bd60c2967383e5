from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse

from appointments import services
from appointments.models import Appointment, Series, Status
from tests.appointments.conftest import NOW
from tests.factories import ClientFactory, RelationshipFactory

pytestmark = pytest.mark.django_db

TODAY = NOW.date()  # Monday 2 March 2026
SESSIONS = reverse("api-session-list")


def detail(session, action: str = "") -> str:
    name = f"api-session-{action or 'detail'}"
    return reverse(name, kwargs={"public_id": session.public_id})


@pytest.fixture
def therapist(client, personas, clock):
    client.force_login(personas.therapist_a)
    return client


def new_session(personas, **fields) -> dict:
    return {
        "client": str(personas.client_a.public_id),
        "day": str(TODAY + timedelta(days=2)),
        "start_time": "17:00",
        **fields,
    }


def later(clock, therapist, personas, moment: datetime) -> None:
    """The clock moved on, past the idle timeout of the session signed in at NOW."""
    clock.move_to(moment)
    therapist.force_login(personas.therapist_a)


def scheduled(personas, day: date, at: time = time(17)) -> Appointment:
    saved = services.appointment_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        day=day,
        start_time=at,
    )
    return saved.appointments[0]


def weekly(personas, count: int = 3) -> Series:
    return services.series_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        first_day=TODAY + timedelta(days=1),
        start_time=time(17),
        count=count,
    ).series


# Recording a session ---------------------------------------------------------------------


def test_a_therapist_records_a_session_shown_in_each_persons_zone(client, therapist, personas):
    personas.client_a.timezone = "America/New_York"
    personas.client_a.save()

    response = therapist.post(SESSIONS, new_session(personas, mode="video"), "application/json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["day"] == "2026-03-04" and body["start_time"] == "17:00"
    assert body["zone"] == "Europe/London"
    assert body["starts_at"] == "2026-03-04T17:00:00Z"
    assert body["local_start"] == "2026-03-04T17:00:00Z"  # the therapist's own zone
    assert (body["mode"], body["status"], body["series"], body["warnings"]) == (
        "video",
        "scheduled",
        None,
        [],
    )
    assert body["client"]["name"] == "Ada Alpha"

    client.force_login(personas.client_a)
    (seen,) = client.get(SESSIONS).json()["results"]
    assert seen["local_start"] == "2026-03-04T12:00:00-05:00"
    assert seen["local_zone"] == "America/New_York"


def test_a_second_session_at_the_same_time_is_saved_with_a_warning(therapist, personas):
    scheduled(personas, TODAY + timedelta(days=2))
    other = RelationshipFactory(therapist=personas.therapist_a, client=ClientFactory())

    response = therapist.post(
        SESSIONS, new_session(personas, client=str(other.client.public_id)), "application/json"
    )

    assert response.status_code == 201
    assert response.json()["warnings"] == [
        "Wednesday 4 March 2026 at 17:00 overlaps your session with Ada Alpha."
    ]
    assert Appointment.objects.count() == 2


def test_a_session_in_the_past_must_be_held_or_missed(therapist, personas):
    yesterday = str(TODAY - timedelta(days=1))

    response = therapist.post(SESSIONS, new_session(personas, day=yesterday), "application/json")
    assert response.status_code == 400
    assert response.json() == {
        "status": ["This time has passed: record the session as held or missed."]
    }
    assert not Appointment.objects.exists()

    held = new_session(personas, day=yesterday, status="held")
    assert therapist.post(SESSIONS, held, "application/json").json()["status"] == "held"


def test_a_start_time_the_clocks_skip_moves_to_the_end_of_the_gap(therapist, personas):
    body = new_session(personas, day="2026-03-29", start_time="01:30")

    response = therapist.post(SESSIONS, body, "application/json")

    assert response.status_code == 201
    assert response.json()["starts_at"] == "2026-03-29T01:00:00Z"  # 02:00 BST
    assert response.json()["local_start"] == "2026-03-29T02:00:00+01:00"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"day": "9999-12-31"}, "day"),
        ({"day": "2040-01-01"}, "day"),
        ({"start_time": "25:00"}, "start_time"),
        ({"minutes": 5}, "minutes"),
        ({"mode": "carrier pigeon"}, "mode"),
        ({"status": "cancelled"}, "status"),
        ({"location": "x" * 301}, "location"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(therapist, personas, fields, field):
    response = therapist.post(SESSIONS, new_session(personas, **fields), "application/json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Appointment.objects.exists()


def test_a_session_for_someone_elses_client_is_a_404(therapist, personas):
    body = new_session(personas, client=str(personas.client_b.public_id))

    assert therapist.post(SESSIONS, body, "application/json").status_code == 404
    assert not Appointment.objects.exists()


# Reading -----------------------------------------------------------------------------------


def test_each_person_lists_only_their_own_sessions(client, personas, clock):
    mine = scheduled(personas, TODAY + timedelta(days=1))
    services.appointment_create(
        therapist=personas.therapist_b,
        relationship=personas.relationship_b,
        day=TODAY + timedelta(days=1),
        start_time=time(9),
    )
    for persona in ("client_a", "therapist_a"):
        client.force_login(getattr(personas, persona))
        ids = [row["id"] for row in client.get(SESSIONS).json()["results"]]
        assert ids == [str(mine.public_id)]
    client.force_login(personas.staff)
    assert client.get(SESSIONS).json()["count"] == 0


def test_a_therapist_lists_a_client_or_their_days(therapist, personas):
    tomorrow = scheduled(personas, TODAY + timedelta(days=1))
    later = scheduled(personas, TODAY + timedelta(days=9))

    by_client = therapist.get(SESSIONS, {"client": personas.client_a.public_id}).json()
    assert [row["id"] for row in by_client["results"]] == [
        str(tomorrow.public_id),
        str(later.public_id),
    ]
    week = {"from": str(TODAY), "to": str(TODAY + timedelta(days=6))}
    assert [row["id"] for row in therapist.get(SESSIONS, week).json()["results"]] == [
        str(tomorrow.public_id)
    ]
    stranger = therapist.get(SESSIONS, {"client": personas.client_b.public_id})
    assert stranger.status_code == 404
    assert "Bea" not in stranger.content.decode()


@pytest.mark.parametrize(
    "query",
    [{"from": "9999-12-31"}, {"to": "0001-01-01"}, {"from": "2026-03-05", "to": "2026-03-01"}],
)
def test_a_bad_date_in_the_query_is_a_400(therapist, query):
    assert therapist.get(SESSIONS, query).status_code == 400


def test_another_therapists_session_is_a_404(client, personas, clock):
    session = scheduled(personas, TODAY + timedelta(days=1))
    client.force_login(personas.therapist_b)

    assert client.get(detail(session)).status_code == 404
    move = client.patch(detail(session), {"start_time": "09:00"}, "application/json")
    assert move.status_code == 404
    assert client.post(detail(session, "cancel"), {}, "application/json").status_code == 404
    session.refresh_from_db()
    assert (session.status, session.start_time) == (Status.SCHEDULED, time(17))


# Move, cancel, mark ------------------------------------------------------------------------


def test_a_therapist_moves_a_session(therapist, personas):
    session = scheduled(personas, TODAY + timedelta(days=1))

    response = therapist.patch(
        detail(session), {"day": "2026-03-05", "minutes": 60}, "application/json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["day"], body["start_time"], body["minutes"]) == ("2026-03-05", "17:00", 60)
    assert body["starts_at"] == "2026-03-05T17:00:00Z"
    assert body["warnings"] == []


def test_an_empty_move_is_a_400(therapist, personas):
    session = scheduled(personas, TODAY + timedelta(days=1))
    assert therapist.patch(detail(session), {}, "application/json").status_code == 400


def test_a_session_that_has_started_is_a_409_and_unchanged(therapist, personas, clock):
    session = scheduled(personas, TODAY, time(10))
    later(clock, therapist, personas, datetime(2026, 3, 2, 10, 1, tzinfo=UTC))

    move = therapist.patch(detail(session), {"start_time": "15:00"}, "application/json")
    cancel = therapist.post(detail(session, "cancel"), {}, "application/json")

    for response in (move, cancel):
        assert response.status_code == 409, response.json()
        assert response.json() == {
            "non_field_errors": [
                "This session has started: it can no longer be moved or cancelled."
            ],
            "current": {"status": "scheduled", "starts_at": "2026-03-02T10:00:00+00:00"},
        }
    session.refresh_from_db()
    assert (session.status, session.start_time) == (Status.SCHEDULED, time(10))


def test_a_therapist_cancels_the_rest_of_a_series(therapist, personas):
    series = weekly(personas, count=3)
    second = series.appointments.order_by("starts_at")[1]

    response = therapist.post(
        detail(second, "cancel"), {"rest_of_series": True}, "application/json"
    )

    assert response.status_code == 200
    assert response.json()["cancelled"] == 2
    assert response.json()["session"]["status"] == "cancelled"
    statuses = list(series.appointments.order_by("starts_at").values_list("status", flat=True))
    assert statuses == ["scheduled", "cancelled", "cancelled"]


def test_a_session_is_marked_only_after_it_started(therapist, personas, clock):
    session = scheduled(personas, TODAY, time(10))
    early = therapist.post(detail(session, "mark"), {"status": "held"}, "application/json")
    assert early.status_code == 400
    assert early.json() == {"status": ["This session has not started yet."]}

    later(clock, therapist, personas, datetime(2026, 3, 2, 11, tzinfo=UTC))
    response = therapist.post(detail(session, "mark"), {"status": "missed"}, "application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "missed"


def test_a_client_cannot_change_their_sessions(client, personas, clock):
    session = scheduled(personas, TODAY + timedelta(days=1))
    client.force_login(personas.client_a)

    assert client.post(detail(session, "cancel"), {}, "application/json").status_code == 403
    assert (
        client.patch(detail(session), {"day": "2026-03-09"}, "application/json").status_code == 403
    )
    assert client.post(SESSIONS, new_session(personas), "application/json").status_code == 403
    session.refresh_from_db()
    assert session.status == Status.SCHEDULED


# Series ------------------------------------------------------------------------------------

SERIES = reverse("api-series-list")


def new_series(personas, **fields) -> dict:
    return {
        "client": str(personas.client_a.public_id),
        "first_day": "2026-03-17",
        "start_time": "17:00",
        **fields,
    }


def test_a_therapist_sets_up_a_weekly_series_across_the_change_of_the_clocks(therapist, personas):
    response = therapist.post(SERIES, new_series(personas, count=3), "application/json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["every_weeks"], body["count"], body["until"]) == (1, 3, None)
    assert [(s["day"], s["start_time"], s["starts_at"]) for s in body["sessions"]] == [
        ("2026-03-17", "17:00", "2026-03-17T17:00:00Z"),
        ("2026-03-24", "17:00", "2026-03-24T17:00:00Z"),
        ("2026-03-31", "17:00", "2026-03-31T16:00:00Z"),
    ]
    assert {s["series"] for s in body["sessions"]} == {body["id"]}
    assert body["warnings"] == []

    (listed,) = therapist.get(SERIES).json()["results"]
    assert listed["id"] == body["id"] and "sessions" not in listed
    again = therapist.get(reverse("api-series-detail", kwargs={"public_id": body["id"]}))
    assert len(again.json()["sessions"]) == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "until"),
        ({"until": "2031-06-01"}, "until"),
        ({"count": 261}, "count"),
        ({"count": 2, "every_weeks": 3}, "every_weeks"),
        ({"count": 2, "first_day": "2026-03-01"}, "first_day"),
    ],
)
def test_a_series_without_an_end_or_beyond_five_years_is_a_400(therapist, personas, fields, field):
    response = therapist.post(SERIES, new_series(personas, **fields), "application/json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Series.objects.exists() and not Appointment.objects.exists()


def test_a_series_for_someone_elses_client_is_a_404(therapist, personas):
    body = new_series(personas, client=str(personas.client_b.public_id), count=2)

    assert therapist.post(SERIES, body, "application/json").status_code == 404
    assert not Series.objects.exists()
