"""The preferences API: times as "HH:MM", weekdays by name for both weekday fields."""

from datetime import time

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from notifications import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

URL = "/api/v1/notifications/preferences/"


@pytest.fixture
def api(client, personas):
    client.force_login(personas.client_a)
    return client


def patch(api, body):
    return api.patch(reverse("api-notification-preferences"), body, content_type="application/json")


def test_times_read_as_hh_mm(api, personas):
    services.preferences_update(
        user=personas.client_a, quiet_start=time(22, 0), quiet_end=time(7, 30)
    )
    body = api.get(URL).json()
    assert [body[f] for f in ("reminder_time", "quiet_start", "quiet_end", "digest_time")] == [
        "18:00",
        "22:00",
        "07:30",
        "18:00",
    ]


def test_times_are_taken_with_or_without_seconds(api, personas):
    response = patch(api, {"reminder_time": "07:15:30", "digest_time": "19:45"})
    assert response.status_code == 200, response.json()
    assert (response.json()["reminder_time"], response.json()["digest_time"]) == ("07:15", "19:45")
    prefs = services.preferences_for(personas.client_a)
    assert (prefs.reminder_time, prefs.digest_time) == (time(7, 15), time(19, 45))


def test_both_weekday_fields_use_day_names(api, personas):
    body = api.get(URL).json()
    assert body["digest_weekday"] == "Sunday"
    assert body["reminder_weekdays"][0] == "Monday"

    response = patch(api, {"digest_weekday": "wednesday", "reminder_weekdays": ["Friday"]})
    assert response.status_code == 200, response.json()
    assert (response.json()["digest_weekday"], response.json()["reminder_weekdays"]) == (
        "Wednesday",
        ["Friday"],
    )
    assert services.preferences_for(personas.client_a).digest_weekday == 2


@pytest.mark.parametrize(("old", "name"), [(0, "Monday"), (3, "Thursday"), ("6", "Sunday")])
def test_the_old_weekday_number_is_still_accepted(api, personas, old, name):
    response = patch(api, {"digest_weekday": old})
    assert response.status_code == 200, response.json()
    assert response.json()["digest_weekday"] == name


@pytest.mark.parametrize("day", ["Funday", 7, -1, True, None, ["Monday"]])
def test_an_unknown_weekday_is_a_400_naming_the_days(api, personas, day):
    response = patch(api, {"digest_weekday": day})
    assert response.status_code == 400
    [message] = response.json()["digest_weekday"]
    assert "Monday" in message or "null" in message
    assert services.preferences_for(personas.client_a).digest_weekday == 6


def test_the_schema_declares_one_time_format_and_day_names():
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    preferences = components["Preferences"]["properties"]
    time_fields = [
        preferences["reminder_time"],
        preferences["quiet_start"],
        preferences["digest_time"],
        components["Assignment"]["properties"]["reminder_time"],
    ]
    assert {field["pattern"] for field in time_fields} == {
        "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
    }
    days = components["WeekdayEnum"]["enum"]
    assert days[0] == "Monday" and len(days) == 7
    assert preferences["digest_weekday"]["allOf"] == [{"$ref": "#/components/schemas/WeekdayEnum"}]
    assert preferences["reminder_weekdays"]["items"] == {"$ref": "#/components/schemas/WeekdayEnum"}
