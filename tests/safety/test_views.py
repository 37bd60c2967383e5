import json
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from safety.checks import check_crisis_resources
from safety.crisis import country_of, crisis_payload, crisis_resources
from safety.models import Source
from safety.services import raise_alert
from tests.conftest import ROOT, make_active_relationship
from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db


def test_the_crisis_page_is_open_to_anyone_and_names_the_emergency_number(client):
    response = client.get(reverse("crisis"))

    text = response.content.decode()
    assert response.status_code == 200
    assert "local emergency number" in text
    assert "not watched around the clock" in text
    assert "data-alerted" not in text


def test_it_shows_the_deployment_s_resources(client, settings):
    settings.TANDEM_CRISIS_RESOURCES = [
        {"name": "Samaritans", "phone": "116 123", "url": "https://www.samaritans.org"}
    ]

    text = client.get(reverse("crisis")).content.decode()

    assert "Samaritans" in text
    assert 'href="tel:116%20123"' in text
    assert "https://www.samaritans.org" in text
    assert "local emergency number" not in text


def test_it_tells_a_client_with_an_open_alert_that_their_therapist_was_told(client, personas):
    raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4())
    client.force_login(personas.client_a)

    text = client.get(reverse("crisis")).content.decode()

    assert "data-alerted" in text


@pytest.mark.parametrize(
    "value",
    [
        [],
        [{"detail": "no name"}],
        [{"name": "x", "colour": "red"}],
        {"name": "x"},
        [{"name": 3}],
        [{"name": "x", "country": "GBR"}],
    ],
)
def test_a_bad_list_of_resources_is_refused_at_start_up(settings, value):
    settings.TANDEM_CRISIS_RESOURCES = value

    assert [e.id for e in check_crisis_resources()] == ["tandem.E010"]
    with pytest.raises(SystemCheckError, match="TANDEM_CRISIS_RESOURCES"):
        call_command("check")


def test_the_default_and_the_example_resources_pass_the_check(settings):
    assert check_crisis_resources() == []
    example = ROOT.joinpath("platform/env.example").read_text()
    line = next(x for x in example.splitlines() if x.startswith("TANDEM_CRISIS_RESOURCES="))
    settings.TANDEM_CRISIS_RESOURCES = json.loads(line.split("=", 1)[1])
    assert check_crisis_resources() == []


def test_after_care_ended_the_crisis_page_no_longer_says_the_therapist_was_told(client, personas):
    from accounts.services import relationship_end

    raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4())
    relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
    client.force_login(personas.client_a)

    assert "data-alerted" not in client.get(reverse("crisis")).content.decode()


# --- What the page says the therapist was told ----------------------------------------------


def _page(client, user, query: str = "") -> str:
    client.force_login(user)
    return client.get(reverse("crisis") + query).content.decode()


def test_after_question_9_it_says_the_answer_was_passed_on_and_links_the_result(client, personas):
    answers = uuid.uuid4()  # the id of the answers that raised the alert
    raise_alert(client=personas.client_a, source=Source.PHQ9_ITEM9, reference=answers, level=2)

    text = _page(client, personas.client_a, f"?result={answers}")

    assert (
        "We have let your therapist know about your answer to question 9. They will see it "
        "the next time they sign in." in _text(text)
    )
    assert "asked for help" not in text
    assert f'href="{reverse("client_measure_result", args=[answers])}"' in text
    assert "See your result" in text


def test_after_i_need_help_now_it_says_the_client_asked_for_help_in_their_journal(client, personas):
    raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4())

    text = _text(_page(client, personas.client_a))

    assert "We have let your therapist know that you asked for help in your journal." in text
    assert "question 9" not in text
    assert "See your result" not in text


def test_with_both_open_it_says_both_to_both_therapists(client, personas):
    make_active_relationship(TherapistFactory(), personas.client_a)
    raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4())
    raise_alert(client=personas.client_a, source=Source.PHQ9_ITEM9, reference=uuid.uuid4())

    text = _text(_page(client, personas.client_a))

    assert (
        "We have let your therapists know about your answer to question 9 and that you asked "
        "for help in your journal." in text
    )


@pytest.mark.parametrize("value", ["not-a-uuid", "7d3f6c2e-0b1a-4c5d-9e8f-1a2b3c4d5e6f", "other"])
def test_a_result_link_is_only_ever_to_the_client_s_own_answers(client, personas, value):
    theirs = uuid.uuid4()
    raise_alert(client=personas.client_b, source=Source.PHQ9_ITEM9, reference=theirs)
    value = str(theirs) if value == "other" else value

    text = _page(client, personas.client_a, f"?result={value}")

    assert "See your result" not in text
    assert reverse("client_measure_result", args=[theirs]) not in text


def _text(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    import re

    return " ".join(re.sub(r"<[^>]+>", "", html).split())


# --- Resources by country ---------------------------------------------------------------------

RESOURCES = [
    {"name": "Samaritans", "phone": "116 123", "country": "GB"},
    {"name": "988 Lifeline", "phone": "988", "country": "US"},
    {"name": "Emergency services", "detail": "Call your local emergency number."},
]


@pytest.fixture
def zone_table():
    """The tzdata package (a dependency) ships the table: without it the test fails."""
    assert country_of(type("U", (), {"timezone": "Europe/London"})()) == "GB"


def _names(html: str) -> list[str]:
    return [
        part.split("<h2>", 1)[1].split("</h2>", 1)[0] for part in html.split("data-resource")[1:]
    ]


def test_a_client_sees_their_country_s_resources_first_and_no_foreign_ones(
    client, personas, settings, zone_table
):
    settings.TANDEM_CRISIS_RESOURCES = RESOURCES
    personas.client_a.timezone = "Europe/London"
    personas.client_a.save(update_fields=["timezone"])

    text = _page(client, personas.client_a)

    assert _names(text) == ["Samaritans", "Emergency services"]
    # The American line, by its name or its number (not "988" anywhere: a random public id
    # on the page may hold those digits).
    assert "988 Lifeline" not in text
    assert "tel:988" not in text
    assert "Call 988" not in text
    assert [r["name"] for r in crisis_payload(personas.client_a)["resources"]] == _names(text)


def test_without_a_match_only_the_resources_for_everyone_are_shown(
    client, personas, settings, zone_table
):
    settings.TANDEM_CRISIS_RESOURCES = RESOURCES
    personas.client_a.timezone = "Asia/Tokyo"
    personas.client_a.save(update_fields=["timezone"])

    assert _names(_page(client, personas.client_a)) == ["Emergency services"]
    assert [r.name for r in crisis_resources(personas.client_a)] == ["Emergency services"]
    assert _names(client.get(reverse("crisis")).content.decode()) == ["Emergency services"]


def test_signed_out_or_in_utc_nobody_sees_a_country_s_numbers(client, personas, settings):
    settings.TANDEM_CRISIS_RESOURCES = RESOURCES
    personas.client_a.timezone = "UTC"
    personas.client_a.save(update_fields=["timezone"])

    assert _names(client.get(reverse("crisis")).content.decode()) == ["Emergency services"]
    assert [r["name"] for r in crisis_payload(personas.client_a)["resources"]] == [
        "Emergency services"
    ]


def test_the_default_names_the_local_emergency_number_and_no_country_s_number(client):
    text = _text(client.get(reverse("crisis")).content.decode())

    assert _names(client.get(reverse("crisis")).content.decode()) == ["Your local emergency number"]
    for number in ("112", "911", "999"):
        assert number not in text


def test_a_list_with_only_countries_falls_back_to_the_local_number_and_warns(
    client, personas, settings
):
    settings.TANDEM_CRISIS_RESOURCES = RESOURCES[:2]
    personas.client_a.timezone = "Asia/Tokyo"
    personas.client_a.save(update_fields=["timezone"])

    assert _names(_page(client, personas.client_a)) == ["Your local emergency number"]
    assert [e.id for e in check_crisis_resources()] == ["tandem.W011"]


# --- "Get help now" is always one tap away ----------------------------------------------------


@pytest.mark.parametrize(
    "page", ["client_home", "client_triggered", "client_triggered_other", "client_journal"]
)
def test_get_help_now_is_on_today_in_i_m_triggered_and_in_the_account_menu(client, personas, page):
    text = _page_at(client, personas.client_a, reverse(page))

    menu = text.split('aria-label="Account"', 1)[1].split("</nav>", 1)[0]
    assert f'<a href="{reverse("crisis")}" data-help-now>Get help now</a>' in menu
    if page != "client_journal":
        body = text.split('id="main"', 1)[1]
        assert "data-help-now" in body
        assert f'<a href="{reverse("crisis")}">Get help now</a>' in body


def _page_at(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()
