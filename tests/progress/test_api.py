from datetime import timedelta

import pytest

from accounts.models import AuditAction, AuditEvent
from clients.models import JournalEntry

from .conftest import TODAY, history, journal

pytestmark = pytest.mark.django_db
SERIES = "/api/v1/progress/series/"
INSIGHTS = "/api/v1/progress/insights/"


def audited(therapist) -> int:
    return AuditEvent.objects.filter(action=AuditAction.RECORDS_VIEWED, actor=therapist).count()


class TestSeries:
    def test_the_client_gets_their_days_and_weeks(self, client, personas):
        history(personas, 7)
        client.force_login(personas.client_a)
        response = client.get(SERIES)
        assert response.status_code == 200
        body = response.json()
        assert body["client"] == str(personas.client_a.public_id)
        assert (body["range"], body["first"], body["last"]) == (
            "4w",
            str(TODAY - timedelta(days=27)),
            str(TODAY),
        )
        assert len(body["days"]) == 28
        # history(): today is day 6 of 7: mood 3 + 6 % 6 = 3, sleep 6 + 6 % 3 = 6, exercise
        # 15 * (6 % 4) = 30, no social contact (odd days only); the week's moods are
        # 3 4 5 6 7 8 3: 36 / 7 = 5.14.
        assert body["days"][-1] == {
            "day": str(TODAY),
            "mood": 3.0,
            "mood_average": 5.1,
            "sleep_hours": 6.0,
            "exercise_minutes": 30,
            "social_contacts": 0,
            "social_minutes": 0,
        }
        assert body["weeks"][-1] == {"monday": "2026-11-23", "done": 2, "due": 3, "percent": 67}
        assert body["aggregation"] == "daily"

    def test_a_year_says_weekly_and_gives_the_weeks_the_page_draws(self, client, personas):
        history(personas, 365)
        client.force_login(personas.client_a)
        body = client.get(SERIES, {"range": "1y"}).json()
        assert body["aggregation"] == "weekly"
        assert len(body["weekly"]) == 53
        # Monday 23 to Wednesday 25 November: days 362 to 364 of history().
        assert body["weekly"][-1] == {
            "first": "2026-11-23",
            "last": "2026-11-25",
            "mood": 6.0,
            "mood_days": 3,
            "sleep_hours": 7.0,
            "sleep_days": 3,
            "exercise_minutes": 75,
            "exercise_days": 3,
            "social_contacts": 1,
            "social_minutes": 20,
            "social_days": 1,
        }

    def test_a_year(self, client, personas):
        client.force_login(personas.client_a)
        body = client.get(SERIES, {"range": "1y"}).json()
        assert len(body["days"]) == 365

    @pytest.mark.parametrize("value", ["2w", "1Y", "4 weeks"])
    def test_a_range_not_offered_is_a_400_naming_the_field(self, client, personas, value):
        client.force_login(personas.client_a)
        response = client.get(SERIES, {"range": value})
        assert response.status_code == 400
        assert response.json()["range"] == ["Choose 4 weeks, 12 weeks or 1 year."]

    def test_the_therapist_names_the_client_and_sees_shared_records(self, client, personas):
        history(personas, 7)
        JournalEntry.objects.filter(client=personas.client_a).update(shared=False)
        client.force_login(personas.therapist_a)
        response = client.get(SERIES, {"client": str(personas.client_a.public_id)})
        assert response.status_code == 200
        days = response.json()["days"]
        assert all(day["mood"] is None for day in days)
        assert days[-1]["sleep_hours"] == 6.0
        assert audited(personas.therapist_a) == 1

    def test_an_answer_is_serialized_once_for_the_same_numbers(
        self, client, personas, monkeypatch, own_page_cache
    ):
        """A write that leaves the series as it was serves the answer kept for it; one that
        changes it is seen; what a therapist is served never holds what the client keeps
        private, even with the client's own answer kept."""
        from progress import api

        made = []
        to_representation = api.SeriesSerializer.to_representation

        def counted(serializer, series):
            made.append(series.client.pk)
            return to_representation(serializer, series)

        monkeypatch.setattr(api.SeriesSerializer, "to_representation", counted)
        history(personas, 7)
        client.force_login(personas.client_a)
        first = client.get(SERIES).json()
        JournalEntry.objects.create(client=personas.client_a, text="No mood in this one")
        assert client.get(SERIES).json() == first
        assert len(made) == 1

        journal(personas.client_a, TODAY, 9, shared=False)
        changed = client.get(SERIES).json()
        assert len(made) == 2
        assert changed["days"][-1]["mood"] == 6.0  # 3 shared and 9 private: (3 + 9) / 2

        client.force_login(personas.therapist_a)
        shared = client.get(SERIES, {"client": str(personas.client_a.public_id)}).json()
        assert shared["days"][-1]["mood"] == 3.0
        assert shared == first  # the numbers the therapist may see: the answer kept for them

    def test_the_therapist_must_name_a_client(self, client, personas):
        client.force_login(personas.therapist_a)
        response = client.get(SERIES)
        assert response.status_code == 400
        assert "client" in response.json()

    def test_strangers_get_404(self, client, personas):
        for stranger in (personas.therapist_b, personas.client_b):
            client.force_login(stranger)
            response = client.get(SERIES, {"client": str(personas.client_a.public_id)})
            assert response.status_code == 404
        assert audited(personas.therapist_b) == 0

    def test_staff_are_refused_and_anonymous_people_too(self, client, personas):
        assert client.get(SERIES).status_code == 403
        client.force_login(personas.staff)
        response = client.get(SERIES, {"client": str(personas.client_a.public_id)})
        assert response.status_code == 404


class TestInsights:
    def test_the_client_gets_the_figures(self, client, personas, fixed):
        client.force_login(personas.client_a)
        body = client.get(INSIGHTS).json()
        assert (body["min_days"], body["min_group_days"], body["min_difference"]) == (14, 5, 0.5)
        exercise = next(i for i in body["insights"] if i["key"] == "exercise")
        assert exercise == {
            "key": "exercise",
            "text": "On days with 30+ minutes of exercise your mood was higher: 6.9 on average "
            "(9 days), against 4.4 on other days (11 days).",
            "mean_with": 6.9,
            "days_with": 9,
            "mean_without": 4.4,
            "days_without": 11,
            "direction": "higher",
        }
        assert {i["key"] for i in body["insights"]} == {"exercise", "homework"}

    def test_below_the_threshold_the_list_is_empty(self, client, personas):
        history(personas, 10)
        client.force_login(personas.client_a)
        assert client.get(INSIGHTS).json()["insights"] == []

    def test_the_therapist_sees_fewer_after_unsharing(self, client, personas, fixed):
        client.force_login(personas.therapist_a)
        query = {"client": str(personas.client_a.public_id)}
        assert len(client.get(INSIGHTS, query).json()["insights"]) == 2
        JournalEntry.objects.filter(pk__in=[entry.pk for entry in fixed[:7]]).update(shared=False)
        assert client.get(INSIGHTS, query).json()["insights"] == []

    def test_a_bad_range_is_a_400(self, client, personas):
        client.force_login(personas.therapist_a)
        response = client.get(
            INSIGHTS, {"client": str(personas.client_a.public_id), "range": "forever"}
        )
        assert response.status_code == 400
        assert response.json()["range"] == ["Choose 4 weeks, 12 weeks or 1 year."]

    def test_another_therapist_gets_404(self, client, personas):
        client.force_login(personas.therapist_b)
        response = client.get(INSIGHTS, {"client": str(personas.client_a.public_id)})
        assert response.status_code == 404
