import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from clients.models import JournalEntry, LifestyleLog

from .conftest import history
from .svgbox import plotted

pytestmark = pytest.mark.django_db


def client_page(**query) -> str:
    url = reverse("client_progress")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def therapist_page(personas, **query) -> str:
    url = reverse("therapist_client_progress", kwargs={"public_id": personas.client_a.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def chart_section(html: str, key: str) -> str:
    match = re.search(rf'<section[^>]*data-chart="{key}".*?</section>', html, re.DOTALL)
    assert match, key
    return match.group(0)


def table_columns(section: str) -> list[list[str]]:
    """The numbers of the chart's table, column by column, blanks left out."""
    table = re.search(r"<table.*?</table>", section, re.DOTALL).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)[1:]
    cells = [re.findall(r'<td class="num">(.*?)</td>', row) for row in rows]
    return [[row[i] for row in cells if row[i] != "—"] for i in range(len(cells[0]))]


def svg_of(section: str) -> str:
    return re.search(r"<svg .*?</svg>", section, re.DOTALL).group(0)


class TestClientPage:
    def test_it_shows_charts_insights_and_range_links(self, client, personas):
        history(personas, 28)
        client.force_login(personas.client_a)
        response = client.get(client_page())
        html = response.content.decode()
        assert response.status_code == 200
        for key in ("mood", "sleep", "exercise", "social", "homework"):
            assert "<svg " in chart_section(html, key)
        assert 'href="?range=12w"' in html and 'href="?range=1y"' in html
        assert re.search(r'<a href="\?range=4w" aria-current="page">4 weeks</a>', html)
        assert "data-insights" in html
        assert "not proof that one thing causes another" in html
        # A neutral heading: what is listed under it may go either way.
        assert '<h2 id="helps-heading">Patterns in mood</h2>' in html
        assert "better mood" not in html
        assert "<script" not in re.sub(r"<script src=[^>]*></script>", "", html)

    def test_the_page_tables_hold_the_plotted_numbers(self, client, personas):
        history(personas, 28)
        client.force_login(personas.client_a)
        html = client.get(client_page()).content.decode()
        for key in ("mood", "sleep", "exercise", "social"):
            section = chart_section(html, key)
            assert plotted(svg_of(section)) == table_columns(section), key
        homework = chart_section(html, "homework")
        assert plotted(svg_of(homework)) == [table_columns(homework)[0]]

    def test_the_chart_style_carries_the_responses_csp_nonce(self, client, personas):
        """The first view and the views again from the page cache: each response's own
        nonce, in its body and its header (a stale one would leave the charts unstyled)."""
        history(personas, 7)
        client.force_login(personas.client_a)
        nonces = []
        for _ in range(3):
            response = client.get(client_page())
            html = response.content.decode()
            styles = re.findall(r'<style nonce="([^"]+)"', html)
            assert len(set(styles)) == 1
            # One sheet for each scope a drawing uses (5 charts, 2 drawings each).
            scopes = re.findall(r'<svg role="img"[^>]* class="[\w-]+ chart-styles-(\w+)"', html)
            assert len(scopes) == 10
            sheets = re.findall(r'<style nonce="[^"]+" [^>]*data-chart-styles="(\w+)', html)
            assert sorted(sheets) == sorted(set(scopes))
            assert html.count("<style ") == len(sheets)
            policy = response["Content-Security-Policy"].split("style-src")[1].split(";")[0]
            assert f"'nonce-{styles[0]}'" in policy
            assert "\x00" not in html
            nonces.append(styles[0])
        assert len(set(nonces)) == 3
        ET.fromstring(svg_of(chart_section(html, "mood")))  # well formed

    def test_no_data_shows_kind_empty_states(self, client, personas):
        client.force_login(personas.client_a)
        html = client.get(client_page()).content.decode()
        assert "<svg role" not in html
        assert 'data-empty="mood"' in html and "No moods in your journal" in html
        assert 'data-empty="insights"' in html

    @pytest.mark.parametrize("value", ["2w", "all", "1Y"])
    def test_a_range_not_offered_is_a_clear_error(self, client, personas, value):
        client.force_login(personas.client_a)
        response = client.get(client_page(range=value))
        html = response.content.decode()
        assert response.status_code == 400
        assert "Choose 4 weeks, 12 weeks or 1 year." in html
        assert "data-chart" not in html
        assert 'href="?range=4w"' in html

    def test_a_year_of_history(self, client, personas):
        history(personas, 365)
        client.force_login(personas.client_a)
        html = client.get(client_page(range="1y")).content.decode()
        # By week: 53 rows in each of the five tables, each chart drawn for phone and desktop.
        assert html.count('<tr><th scope="row">') == 5 * 53
        assert html.count('<svg role="img"') == 10
        assert html.count("Each point is one week: the average of the days logged in it.") == 1
        assert "The last 1 year" in html

    def test_the_tab_is_in_the_client_nav(self, client, personas):
        client.force_login(personas.client_a)
        html = client.get(reverse("client_home")).content.decode()
        assert f'href="{reverse("client_progress")}"' in html

    def test_a_therapist_is_refused(self, client, personas):
        client.force_login(personas.therapist_a)
        assert client.get(client_page()).status_code == 403


class TestQueryCounts:
    """The page costs the same number of queries for a week and for a year of history."""

    # session, user, the series (6), the insights (1), the questionnaires (1)
    CLIENT_QUERIES = 10
    # + the TOTP check, the client, the audit row, the alert banner
    THERAPIST_QUERIES = 14

    @pytest.mark.parametrize("days", [7, 365])
    def test_client_page(self, client, personas, django_assert_num_queries, days):
        history(personas, days)
        client.force_login(personas.client_a)
        with django_assert_num_queries(self.CLIENT_QUERIES):
            response = client.get(client_page(range="1y"))
        assert response.status_code == 200

    @pytest.mark.parametrize("days", [7, 365])
    def test_therapist_page(self, client, personas, django_assert_num_queries, days):
        history(personas, days)
        client.force_login(personas.therapist_a)
        with django_assert_num_queries(self.THERAPIST_QUERIES):
            response = client.get(therapist_page(personas, range="1y"))
        assert response.status_code == 200


class TestTherapistPage:
    def test_it_shows_shared_records_only_and_says_so(self, client, personas):
        history(personas, 28)
        client.force_login(personas.therapist_a)
        response = client.get(therapist_page(personas))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Only the records Ada Alpha chose to share with you" in html
        assert "<svg " in chart_section(html, "mood")
        assert AuditEvent.objects.filter(
            action=AuditAction.RECORDS_VIEWED, actor=personas.therapist_a, subject=personas.client_a
        ).exists()

    def test_unsharing_changes_the_charts_and_insights(self, client, personas):
        history(personas, 28)
        client.force_login(personas.therapist_a)
        before = client.get(therapist_page(personas)).content.decode()
        assert "<svg " in chart_section(before, "sleep")
        assert "data-insight=" in before
        LifestyleLog.objects.filter(client=personas.client_a).update(shared=False)
        JournalEntry.objects.filter(client=personas.client_a, occurred_at__day__lt=20).update(
            shared=False
        )
        after = client.get(therapist_page(personas)).content.decode()
        assert 'data-empty="sleep"' in after
        assert "data-insight=" not in after
        assert table_columns(chart_section(after, "mood")) != table_columns(
            chart_section(before, "mood")
        )
        # The client still sees everything.
        client.force_login(personas.client_a)
        mine = client.get(client_page()).content.decode()
        assert "<svg " in chart_section(mine, "sleep")
        assert "data-insight=" in mine

    def test_the_client_page_links_to_it(self, client, personas):
        client.force_login(personas.therapist_a)
        detail = reverse(
            "therapist_client_detail", kwargs={"public_id": personas.client_a.public_id}
        )
        assert therapist_page(personas) in client.get(detail).content.decode()

    def test_another_therapist_gets_404(self, client, personas):
        client.force_login(personas.therapist_b)
        assert client.get(therapist_page(personas)).status_code == 404

    def test_a_client_is_refused(self, client, personas):
        client.force_login(personas.client_a)
        assert client.get(therapist_page(personas)).status_code == 403

    def test_a_bad_range_is_a_clear_error(self, client, personas):
        client.force_login(personas.therapist_a)
        response = client.get(therapist_page(personas, range="5y"))
        assert response.status_code == 400
        assert "Choose 4 weeks, 12 weeks or 1 year." in response.content.decode()


class TestQuestionnaireCharts:
    def answered(self, personas, scores_by_days_ago):
        import time_machine
        from django.utils import timezone

        from measures import services as measure_services

        with time_machine.travel(timezone.now() - timedelta(days=120)):
            assignment = measure_services.measure_assign(
                therapist=personas.therapist_a,
                relationship=personas.relationship_a,
                instrument="phq9",
                every_weeks=1,
            )
        for days_ago, answers in scores_by_days_ago:
            with time_machine.travel(timezone.now() - timedelta(days=days_ago)):
                measure_services.response_submit(
                    client=personas.client_a, assignment=assignment, answers=answers
                )

    def test_both_sides_see_the_scores_with_the_band_lines(self, client, personas):
        # 21 days ago: 16 (moderately severe); 7 days ago: 8 (mild).
        self.answered(personas, [(21, [2] * 8 + [0]), (7, [1] * 8 + [0])])
        for viewer, url, band in (
            (personas.client_a, client_page(), "Mild"),
            (personas.therapist_a, therapist_page(personas), "Mild"),
        ):
            client.force_login(viewer)
            section = chart_section(client.get(url).content.decode(), "measure-phq9")
            assert "<svg " in section
            assert table_columns(section)[0] == ["16", "8"]
            assert band.lower() in section.lower()
            # The band boundaries 5, 10, 15 and 20 are drawn as their own lines.
            assert section.count("from 5") >= 1 and section.count("from 20") >= 1

    def test_a_result_outside_the_range_is_not_drawn(self, client, personas):
        self.answered(personas, [(60, [1] * 9)])
        client.force_login(personas.client_a)

        html = client.get(client_page(range="4w")).content.decode()
        assert 'data-chart="measure-phq9"' not in html
        html = client.get(client_page(range="12w")).content.decode()
        assert table_columns(chart_section(html, "measure-phq9"))[0] == ["9"]

    def test_the_range_starts_at_the_clients_own_midnight(self, client, personas):
        """Four weeks in Auckland (UTC+13 in November) start at midnight there: an answer
        half an hour after it is drawn, one half an hour before it is not."""
        from datetime import UTC, datetime

        from tests.factories import MeasureAssignmentFactory, MeasureResponseFactory

        user = personas.client_a
        user.timezone = "Pacific/Auckland"
        user.save(update_fields=["timezone"])
        assignment = MeasureAssignmentFactory(relationship=personas.relationship_a, every_weeks=1)
        # Today is 26 November there (01:00): the range's first day is 30 October.
        before = datetime(2026, 10, 29, 10, 30, tzinfo=UTC)  # 29 October, 23:30 there
        after = datetime(2026, 10, 29, 11, 30, tzinfo=UTC)  # 30 October, 00:30 there
        MeasureResponseFactory(
            assignment=assignment, period=0, submitted_at=before, answers=[2] * 8 + [0]
        )
        MeasureResponseFactory(assignment=assignment, period=1, submitted_at=after)
        for viewer, url in (
            (user, client_page(range="4w")),
            (personas.therapist_a, therapist_page(personas, range="4w")),
        ):
            client.force_login(viewer)
            section = chart_section(client.get(url).content.decode(), "measure-phq9")
            assert table_columns(section)[0] == ["8"]
            assert "30 Oct" in section
