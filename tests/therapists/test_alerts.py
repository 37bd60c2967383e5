"""The therapist's safety alerts: the banner on every page, the alerts page, acknowledging."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent
from accounts.services import relationship_end
from careplans import services as plan_services
from clients import services as record_services
from measures import services as measure_services
from measures.models import MeasureResponse
from safety.models import SafetyAlert, Source
from safety.services import acknowledge, raise_alert
from tests.conftest import make_active_relationship
from tests.factories import ClientFactory, PersonFactory, SafetyAlertFactory

pytestmark = pytest.mark.django_db

PRIVATE_TEXT = "I cannot see a way through tonight"


@pytest.fixture
def private_alert(personas):
    entry = record_services.journal_create(
        client=personas.client_a, text=PRIVATE_TEXT, mood=1, shared=False, needs_help=True
    )
    return SafetyAlert.objects.get(reference=entry.public_id)


def _signed_in(client, user):
    client.force_login(user)
    return client


# --- The banner ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["therapist_home", "therapist_templates", "therapist_notifications"]
)
def test_the_banner_is_at_the_top_of_every_therapist_page(client, personas, private_alert, page):
    text = _signed_in(client, personas.therapist_a).get(reverse(page)).content.decode()

    assert "data-safety-banner" in text
    assert "1 safety alert: a client needs your attention" in text
    assert text.index("data-safety-banner") < text.index("<h1")
    assert reverse("therapist_alerts") in text


def test_the_banner_names_nobody_and_counts_every_open_alert(client, personas):
    SafetyAlertFactory(relationship=personas.relationship_a)
    SafetyAlertFactory(relationship=personas.relationship_a)

    text = _signed_in(client, personas.therapist_a).get(reverse("therapist_home")).content
    banner = text.decode().split("data-safety-banner", 1)[1].split("</div>", 1)[0]

    assert "2 safety alerts: clients need your attention" in banner
    assert "Ada Alpha" not in banner


def test_no_banner_without_open_alerts_nor_for_others(client, personas, private_alert):
    other = _signed_in(client, personas.therapist_b).get(reverse("therapist_home"))
    assert "data-safety-banner" not in other.content.decode()
    own = _signed_in(client, personas.client_a).get(reverse("client_home"))
    assert "data-safety-banner" not in own.content.decode()

    acknowledge(alert=private_alert, therapist=personas.therapist_a, note="Called")
    done = _signed_in(client, personas.therapist_a).get(reverse("therapist_home"))
    assert "data-safety-banner" not in done.content.decode()


def test_an_ended_relationship_s_alert_leaves_the_banner(client, personas, private_alert):
    relationship_end(actor=personas.therapist_a, relationship=personas.relationship_a)

    page = _signed_in(client, personas.therapist_a).get(reverse("therapist_alerts"))

    assert "data-safety-banner" not in page.content.decode()
    assert "Ada Alpha" not in page.content.decode()


def test_the_banner_costs_one_query_and_only_on_therapist_pages(client, personas):
    """A client's page runs no alert query at all; a therapist's runs exactly one more."""
    from safety.context_processors import OpenAlerts

    for user, expected in ((personas.client_a, 0), (personas.therapist_a, 1)):
        user = type(user).objects.get(pk=user.pk)
        user._tandem_has_totp = True  # the middleware's memoised check, as on a real page
        with CaptureQueriesContext(connection) as queries:
            assert OpenAlerts(user).count == 0
        assert len(queries) == expected
    lazy = OpenAlerts(personas.therapist_a)
    with CaptureQueriesContext(connection) as queries:
        _ = lazy  # made but never read: no query
    assert len(queries) == 0


# --- The alerts page -----------------------------------------------------------------------


def test_the_page_shows_who_asked_without_a_private_entry_s_content(
    client, personas, private_alert
):
    text = _signed_in(client, personas.therapist_a).get(reverse("therapist_alerts")).content
    text = text.decode()

    assert "Ada Alpha" in text
    assert "Asked for help (“I need help now”) in a <span data-private>private entry</span>" in text
    assert PRIVATE_TEXT not in text
    assert str(private_alert.reference) not in text  # not even a link to the private entry


def test_a_shared_entry_is_linked(client, personas):
    entry = record_services.journal_create(
        client=personas.client_a, text="Shared", shared=True, needs_help=True
    )
    text = _signed_in(client, personas.therapist_a).get(reverse("therapist_alerts")).content

    url = reverse("therapist_record", args=[personas.client_a.public_id, entry.public_id])
    assert url in text.decode()
    assert "in a <span data-shared>shared entry</span>" in text.decode()
    assert "data-private" not in text.decode()


def test_open_alerts_come_before_the_acknowledged_with_who_when_and_note(client, personas):
    now = timezone.now()
    done = SafetyAlertFactory(
        relationship=personas.relationship_a,
        raised_at=now - timedelta(days=2),
        acknowledged_at=now - timedelta(days=1),
        acknowledged_by=personas.therapist_a,
        note="Phoned & checked in <b>",
    )
    opened = SafetyAlertFactory(relationship=personas.relationship_a)

    text = _signed_in(client, personas.therapist_a).get(reverse("therapist_alerts")).content
    text = text.decode()

    assert text.index(str(opened.public_id)) < text.index(str(done.public_id))
    assert "Acknowledged by Dr. Ann Able" in text
    assert "Phoned &amp; checked in &lt;b&gt;" in text


def test_acknowledging_closes_the_alert_and_says_so(client, personas, private_alert):
    url = reverse("therapist_alert_acknowledge", args=[private_alert.public_id])

    response = _signed_in(client, personas.therapist_a).post(
        url, {"note": "Phoned; safety plan reviewed"}, follow=True
    )

    private_alert.refresh_from_db()
    assert private_alert.note == "Phoned; safety plan reviewed"
    assert private_alert.acknowledged_by == personas.therapist_a
    text = response.content.decode()
    assert "Alert for Ada Alpha acknowledged." in text
    assert "data-safety-banner" not in text
    assert AuditEvent.objects.filter(action=AuditAction.SAFETY_ALERT_ACKNOWLEDGED).count() == 1


def test_an_empty_note_is_a_form_error(client, personas, private_alert):
    url = reverse("therapist_alert_acknowledge", args=[private_alert.public_id])

    response = _signed_in(client, personas.therapist_a).post(url, {"note": "   "})

    assert response.status_code == 400
    assert "Write a short note on what you did." in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    private_alert.refresh_from_db()
    assert private_alert.is_open


def test_an_alert_acknowledged_already_is_a_message_not_a_second_write(
    client, personas, private_alert
):
    acknowledge(alert=private_alert, therapist=personas.therapist_a, note="First")
    url = reverse("therapist_alert_acknowledge", args=[private_alert.public_id])

    response = _signed_in(client, personas.therapist_a).post(url, {"note": "Second"}, follow=True)

    assert "This alert was already acknowledged by Dr. Ann Able; nothing was changed." in (
        response.content.decode()
    )
    private_alert.refresh_from_db()
    assert private_alert.note == "First"
    assert AuditEvent.objects.filter(action=AuditAction.SAFETY_ALERT_ACKNOWLEDGED).count() == 1


def test_another_therapist_s_alert_is_404(client, personas, private_alert):
    url = reverse("therapist_alert_acknowledge", args=[private_alert.public_id])

    response = _signed_in(client, personas.therapist_b).post(url, {"note": "Not mine"})

    assert response.status_code == 404
    private_alert.refresh_from_db()
    assert private_alert.is_open


def test_an_unknown_alert_is_404(client, personas):
    url = reverse("therapist_alert_acknowledge", args=[uuid.uuid4()])
    assert _signed_in(client, personas.therapist_a).post(url, {"note": "x"}).status_code == 404


def test_a_client_is_refused(client, personas, private_alert):
    assert _signed_in(client, personas.client_a).get(reverse("therapist_alerts")).status_code == (
        403
    )


def test_a_measure_s_alert_shows_without_a_link(client, personas):
    raise_alert(client=personas.client_a, source=Source.PHQ9_ITEM9, reference=uuid.uuid4())

    text = _signed_in(client, personas.therapist_a).get(reverse("therapist_alerts")).content

    assert "PHQ-9 question 9" in text.decode()
    assert "Read the shared entry" not in text.decode()


# --- The card: what happened, and the plan to act on -----------------------------------------


def _alerts_page(client, user) -> str:
    return _signed_in(client, user).get(reverse("therapist_alerts")).content.decode()


def _card(text: str, alert: SafetyAlert) -> str:
    return text.split(f'data-alert="{alert.public_id}"', 1)[1].split("</li>\n    \n", 1)[0]


def test_there_is_no_banner_on_the_alerts_page_itself(client, personas, private_alert):
    text = _alerts_page(client, personas.therapist_a)

    assert "data-safety-banner" not in text
    assert "data-open-alerts" in text
    failed = _signed_in(client, personas.therapist_a).post(
        reverse("therapist_alert_acknowledge", args=[private_alert.public_id]), {"note": ""}
    )
    assert "data-safety-banner" not in failed.content.decode()


@pytest.mark.parametrize(
    ("level", "words"),
    [(1, "several days"), (2, "more than half the days"), (3, "nearly every day")],
)
def test_question_9_shows_how_often_in_the_questionnaire_s_words(client, personas, level, words):
    phq9 = measure_services.measure_assign(
        therapist=personas.therapist_a, relationship=personas.relationship_a, instrument="phq9"
    )
    measure_services.response_submit(
        client=personas.client_a, assignment=phq9, answers=[0] * 8 + [level]
    )
    alert = SafetyAlert.objects.get()

    card = _card(_alerts_page(client, personas.therapist_a), alert)

    assert alert.level == level
    assert (
        f"Answered PHQ-9 question 9 (thoughts of being better off dead or of self-harm): "
        f"<strong data-level>{words}</strong>" in card
    )


def test_question_9_answered_with_other_answers_missing_still_shows_how_often(client, personas):
    phq9 = measure_services.measure_assign(
        therapist=personas.therapist_a, relationship=personas.relationship_a, instrument="phq9"
    )
    with pytest.raises(measure_services.NotSavedButHelpAsked):
        measure_services.response_submit(
            client=personas.client_a, assignment=phq9, answers=[1, None, 1, 1, 1, 1, 1, 1, 3]
        )
    alert = SafetyAlert.objects.get()

    assert not MeasureResponse.objects.exists()
    assert "<strong data-level>nearly every day</strong>" in _card(
        _alerts_page(client, personas.therapist_a), alert
    )


def test_an_alert_without_a_stored_level_reads_it_from_its_answers(client, personas):
    phq9 = measure_services.measure_assign(
        therapist=personas.therapist_a, relationship=personas.relationship_a, instrument="phq9"
    )
    measure_services.response_submit(
        client=personas.client_a, assignment=phq9, answers=[0] * 8 + [2]
    )
    SafetyAlert.objects.update(level=None)  # as raised before the level was kept

    card = _card(_alerts_page(client, personas.therapist_a), SafetyAlert.objects.get())

    assert "<strong data-level>more than half the days</strong>" in card


def test_the_client_s_name_links_to_their_page(client, personas, private_alert):
    card = _card(_alerts_page(client, personas.therapist_a), private_alert)

    url = reverse("therapist_client_detail", args=[personas.client_a.public_id])
    assert f'<h3><a href="{url}" data-client-link>Ada Alpha</a></h3>' in card


@pytest.fixture
def plan_a(personas):
    """Client A's plan with their therapist: a trigger with steps, and a circle."""
    plan = plan_services.plan_for_relationship(personas.relationship_a)
    author = personas.client_a
    plan_services.item_add(
        author=author,
        plan=plan,
        section="triggers",
        text="Crowded trains",
        steps=["Breathe out slowly", "Text Sam"],
    )
    for name, support in (
        ("Sam", "they_support_me"),
        ("Jo", "mutual"),
        ("Kit", "i_support_them"),
    ):
        person = PersonFactory(client=personas.client_a, name=name, support=support)
        plan_services.item_add(author=author, plan=plan, section="circle", person=person)
    return plan


def test_an_open_card_shows_the_plan_s_triggers_steps_and_who_supports_the_client(
    client, personas, private_alert, plan_a
):
    card = _card(_alerts_page(client, personas.therapist_a), private_alert)

    triggers = card.split("data-plan-triggers", 1)[1].split("</ul>", 1)[0]
    assert "<strong>Crowded trains</strong>" in triggers
    assert "<li>Breathe out slowly</li><li>Text Sam</li>" in triggers
    circle = card.split("data-plan-circle", 1)[1].split("</ul>", 1)[0]
    assert 'Sam <span class="muted">· Friend · supports them</span>' in circle
    assert 'Jo <span class="muted">· Friend · they support each other</span>' in circle
    assert "Kit" not in circle  # support that goes only from the client


def test_without_a_plan_the_card_says_so(client, personas, private_alert):
    card = _card(_alerts_page(client, personas.therapist_a), private_alert)

    assert "Your plan together has no triggers or support circle yet." in card
    assert "data-alert-plan" not in card


def test_another_therapist_s_plan_with_the_same_client_never_appears(
    client, personas, private_alert, plan_a
):
    other = make_active_relationship(personas.therapist_b, personas.client_a)
    plan_b = plan_services.plan_for_relationship(other)
    plan_services.item_add(
        author=personas.client_a,
        plan=plan_b,
        section="triggers",
        text="Loud rooms",
        steps=["Step outside"],
    )
    raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4())
    b_alert = SafetyAlert.objects.get(relationship=other)

    mine = _alerts_page(client, personas.therapist_a)
    theirs = _alerts_page(client, personas.therapist_b)

    assert "Crowded trains" in mine and "Loud rooms" not in mine
    assert "Step outside" not in mine
    assert "Loud rooms" in _card(theirs, b_alert)
    assert "Crowded trains" not in theirs and "Sam" not in theirs


def test_reading_the_cards_is_audited_once_per_client(client, personas, private_alert, plan_a):
    SafetyAlertFactory(relationship=personas.relationship_a)

    _alerts_page(client, personas.therapist_a)

    [event] = AuditEvent.objects.filter(action=AuditAction.RECORDS_VIEWED)
    assert event.actor == personas.therapist_a
    assert event.subject == personas.client_a
    assert event.detail == {"what": "safety alerts"}


def test_from_the_page_cache_each_view_is_audited_and_every_change_shows(
    client, personas, private_alert, plan_a
):
    """The page comes from the cache until the therapist or a client shown writes anything:
    a new alert, an acknowledgement, a plan changed, an entry shared."""
    other = make_active_relationship(personas.therapist_a, personas.client_b)
    browser = _signed_in(client, personas.therapist_a)
    url = reverse("therapist_alerts")
    audits = AuditEvent.objects.filter(action=AuditAction.RECORDS_VIEWED)

    def page() -> str:
        with CaptureQueriesContext(connection) as queries:
            text = browser.get(url).content.decode()
        page.queries = len(queries)
        return text

    first = page()
    assert "Crowded trains" in first and "Bea Beta" not in first
    again = page()  # from the cache: the session and user, MFA, the clients shown, audit row
    assert page.queries == 5
    assert (
        again.split('name="csrfmiddlewaretoken"')[0] == first.split('name="csrfmiddlewaretoken"')[0]
    )
    assert list(audits.values_list("subject", flat=True)) == [personas.client_a.pk] * 2

    plan_services.item_add(
        author=personas.client_a,
        plan=plan_a,
        section="triggers",
        text="Late nights",
        steps=[],
    )
    assert "Late nights" in page()
    raise_alert(client=other.client, source=Source.JOURNAL, reference=uuid.uuid4())
    assert "Bea Beta" in page()
    acknowledge(alert=private_alert, therapist=personas.therapist_a, note="Phoned")
    assert "Acknowledged by Dr. Ann Able" in page()
    assert sorted(audits.values_list("subject", flat=True)) == sorted(
        [personas.client_a.pk] * 5 + [personas.client_b.pk] * 2
    )


def test_a_page_of_alerts_of_many_clients_costs_the_same_queries_as_of_one(client, personas):
    SafetyAlertFactory(relationship=personas.relationship_a)
    browser = _signed_in(client, personas.therapist_a)
    url = reverse("therapist_alerts")
    browser.get(url)  # the session's first request

    def first_view() -> int:
        personas.therapist_a.save()  # a new version: the page renders again
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(url).status_code == 200
        return len(queries)

    one = first_view()
    for _ in range(4):
        relationship = make_active_relationship(personas.therapist_a, ClientFactory())
        SafetyAlertFactory(relationship=relationship)
    assert first_view() == one == 9
    assert AuditEvent.objects.filter(action=AuditAction.RECORDS_VIEWED).count() == 1 + 1 + 5
