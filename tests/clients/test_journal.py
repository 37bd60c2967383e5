"""The client's Journal over a year: searching their own words, jumping to a month, seeing
which records hold a reply they have not read, excerpts that keep their lines, and triggers
ticked from the plan so one trigger keeps one spelling."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import NoReverseMatch, reverse

from careplans import services as plan_services
from careplans.selectors import plan_items, trigger_figures
from clients import record_lines, services
from clients.models import Feedback, JournalEntry
from tests.clients.conftest import (
    JOURNAL_QUERIES,
    NOW,
    TODAY,
    count_queries,
    many_records,
    record_url,
)
from tests.factories import (
    JournalEntryFactory,
    LifestyleLogFactory,
    PersonFactory,
    SocialActivityFactory,
)

pytestmark = pytest.mark.django_db


def journal(browser, **params) -> str:
    response = browser.get(reverse("client_journal"), params)
    assert response.status_code == 200
    return response.content.decode()


def shown(page: str) -> int:
    return page.count('class="card record"')


# --- Search ------------------------------------------------------------------------------


def test_search_finds_the_clients_own_words_in_every_field_they_wrote(as_a, personas):
    a = personas.client_a
    services.journal_create(client=a, text="Went walking by the river", mood=6)
    services.journal_create(client=a, text="Quiet day", needed="A long walk")
    services.journal_create(client=a, text="Train home", triggers=["Walkabout crowds"])
    LifestyleLogFactory(client=a, day=TODAY, note="Walked to work")
    SocialActivityFactory(client=a, day=TODAY, note="Walk with Sam", mode="in_person")
    services.journal_create(client=a, text="Nothing to see here")
    page = journal(as_a, q="walk")
    assert shown(page) == 5
    assert "Nothing to see here" not in page
    assert "5 records with “walk”" in page


def test_search_needs_every_word_and_ignores_case(as_a, personas):
    services.journal_create(client=personas.client_a, text="Rain at the Bus stop")
    services.journal_create(client=personas.client_a, text="Rain all day")
    page = journal(as_a, q="BUS rain")
    assert shown(page) == 1
    assert "Rain at the Bus stop" in page


def test_search_never_shows_another_clients_records(as_a, personas):
    services.journal_create(client=personas.client_b, text="Bea walks alone", shared=True)
    services.journal_create(client=personas.client_a, text="Ada walks with friends")
    page = journal(as_a, q="walks")
    assert "Ada walks with friends" in page
    assert "Bea walks" not in page
    assert shown(page) == 1


def test_a_search_with_no_match_says_so_kindly(as_a, personas):
    services.journal_create(client=personas.client_a, text="Fine day")
    page = journal(as_a, q="zebra")
    assert shown(page) == 0
    assert 'data-empty="no-results"' in page
    assert "No record holds those words" in page
    assert "Clear the search" in page
    assert "Go to a month" not in page  # no month holds a match


@pytest.mark.parametrize(
    "query", ["'", "walk:*", "a & | !b", "(((", "\\", "%", "_", "é", "x" * 5000, "walk & !rain"]
)
def test_any_search_text_is_a_page_never_an_error(as_a, personas, query):
    services.journal_create(client=personas.client_a, text="walk in the rain")
    page = journal(as_a, q=query)
    assert "Search what you wrote" in page


def test_search_uses_full_text_on_postgresql_and_a_plain_filter_elsewhere(as_a, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.journal_create(client=personas.client_a, text="Walking by the riverside")
    with CaptureQueriesContext(connection) as queries:
        page = journal(as_a, q="river walk")
    assert shown(page) == 1  # word starts match on both
    sql = " ".join(query["sql"] for query in queries)
    if connection.vendor == "postgresql":
        assert "to_tsvector" in sql and "'simple'" in sql
        assert shown(journal(as_a, q="iverside")) == 0  # whole words or their beginnings
    else:
        assert "LIKE" in sql and "to_tsvector" not in sql


@pytest.mark.parametrize("n", [10, 1000])
def test_search_costs_the_same_queries_for_10_and_1000_records(client, personas, n):
    many_records(personas, n)
    client.force_login(personas.client_a)
    # Only journal entries hold "entry": one read of that kind instead of three.
    assert count_queries(client, reverse("client_journal"), {"q": "entry"}) == JOURNAL_QUERIES - 2


# --- Months --------------------------------------------------------------------------------


def entry_on(client_user, day: date, text: str) -> JournalEntry:
    """An entry written long ago (the service only takes the last 60 days)."""
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return JournalEntryFactory(client=client_user, text=text, occurred_at=at)


@pytest.fixture
def year(personas):
    a = personas.client_a
    entry_on(a, date(2026, 11, 20), "November words")
    entry_on(a, date(2026, 10, 3), "October words")
    LifestyleLogFactory(client=a, day=date(2026, 10, 31), note="October log")
    entry_on(a, date(2026, 3, 1), "March words")
    entry_on(personas.client_b, date(2026, 6, 2), "Bea in June")


def test_the_journal_lists_the_months_that_hold_records(as_a, year):
    page = journal(as_a)
    nav = page.split('aria-label="Months"')[1].split("</nav>")[0]
    assert "month=2026-11" in nav and "month=2026-10" in nav and "month=2026-03" in nav
    assert "month=2026-06" not in nav  # another client's month
    assert nav.index("month=2026-11") < nav.index("month=2026-10") < nav.index("month=2026-03")


def test_a_month_jump_shows_that_month_only(as_a, year):
    page = journal(as_a, month="2026-10")
    assert "October 2026" in page
    assert "October words" in page and "October log" in page
    assert "November words" not in page and "March words" not in page
    assert 'href="?month=2026-10" aria-current="page"' in page
    assert "All months" in page


def test_a_month_jump_keeps_the_search_and_the_kind(as_a, year):
    page = journal(as_a, q="words", kind="journal")
    assert "?q=words&amp;kind=journal&amp;month=2026-10" in page
    page = journal(as_a, q="words", kind="journal", month="2026-10")
    assert shown(page) == 1 and "October words" in page


@pytest.mark.parametrize("value", ["2026-13", "nonsense", "9999-01", "2026-1", ""])
def test_a_malformed_month_is_ignored(as_a, year, value):
    assert shown(journal(as_a, month=value)) == 4


# --- Unread replies ------------------------------------------------------------------------


def reply(author, record, text="Thank you for sharing this.") -> Feedback:
    return services.feedback_create(author=author, record=record, text=text)


def test_a_reply_not_yet_opened_is_marked_until_the_client_opens_the_record(as_a, personas):
    entry = services.journal_create(client=personas.client_a, text="Shared day", shared=True)
    quiet = services.journal_create(client=personas.client_a, text="No reply here", shared=True)
    reply(personas.therapist_a, entry)
    page = journal(as_a)
    assert page.count("data-new-reply") == 1
    line = page.split(f'data-record="{entry.public_id}"')[1].split("</article>")[0]
    assert "New reply" in line  # said in words, not only a colour
    assert (
        "New reply" not in page.split(f'data-record="{quiet.public_id}"')[1].split("</article>")[0]
    )
    assert as_a.get(record_url(entry)).status_code == 200
    assert "New reply" not in journal(as_a)
    assert Feedback.objects.get().read_by_client_at == NOW


def test_each_line_reads_as_its_record_is_now(as_a, personas):
    """Lines are kept for what they show (clients.record_lines): an edit, a therapist's
    first view, a change of sharing and of the client's time zone each show at once."""
    entry = services.journal_create(
        client=personas.client_a, text="**First** words", shared=True, mood=4
    )

    def line() -> str:
        page = journal(as_a)
        return page.split(f'data-record="{entry.public_id}"')[1].split("</article>")[0]

    first = line()
    assert "First words" in first and "Mood 4/10" in first and "seen" not in first
    services.journal_update(entry=entry, text="Other words", mood=7)
    assert "Other words" in line() and "Mood 7/10" in line()
    services.record_opened(therapist=personas.therapist_a, record=entry)
    assert "seen" in line()
    services.record_sharing_set(record=JournalEntry.objects.get(pk=entry.pk), shared=False)
    assert "Private" in line() and "seen" not in line()
    utc = line()
    personas.client_a.timezone = "Asia/Tokyo"  # nine hours ahead of UTC
    personas.client_a.save()
    assert line() != utc
    assert NOW.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M") in line()


def test_a_lines_excerpt_is_made_only_when_the_line_is_drawn(as_a, personas, monkeypatch):
    """A kept line is found by its record's words: their excerpt is not made again."""
    services.journal_create(client=personas.client_a, text="- woke up\n- walked", shared=True)
    made = []
    monkeypatch.setattr(record_lines, "plain", lambda text: made.append(text) or f"~{text}~")
    assert "~- woke up\n- walked~" in journal(as_a)
    assert made == ["- woke up\n- walked"]
    services.journal_create(client=personas.client_a, text="Slept well", shared=True)
    page = journal(as_a)  # drawn again: the client wrote
    assert "~- woke up\n- walked~" in page and "~Slept well~" in page
    assert made == ["- woke up\n- walked", "Slept well"]


@pytest.mark.parametrize(
    ("name", "leading"), [("client_record", []), ("therapist_record", ["client"])]
)
def test_a_record_url_reversed_once_reads_as_reversed_each_time(personas, name, leading):
    leading = [personas.client_a.public_id for _ in leading]
    url = record_lines.record_urls(name, *leading)
    for record in JournalEntryFactory.create_batch(3, client=personas.client_a):
        assert url(record.public_id) == reverse(name, args=[*leading, record.public_id])


def test_a_route_without_a_record_is_refused():
    with pytest.raises(NoReverseMatch):
        record_lines.record_urls("client_journal")


def test_the_clients_own_reply_is_never_new_but_a_later_answer_is(as_a, personas):
    entry = services.journal_create(client=personas.client_a, text="Shared day", shared=True)
    reply(personas.therapist_a, entry)
    as_a.get(record_url(entry))
    reply(personas.client_a, entry, "It helped.")
    assert "New reply" not in journal(as_a)
    reply(personas.therapist_a, entry, "Glad to hear.")
    assert "New reply" in journal(as_a)


def test_opening_a_record_with_nothing_unread_writes_nothing(as_a, personas):
    entry = services.journal_create(client=personas.client_a, text="Shared day", shared=True)
    reply(personas.therapist_a, entry)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    as_a.get(record_url(entry))  # reads the reply
    with CaptureQueriesContext(connection) as queries:
        as_a.get(record_url(entry))
    writes = [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert Feedback.objects.get().read_by_client_at == NOW


# --- Excerpts ------------------------------------------------------------------------------


def test_an_excerpt_keeps_the_lines_of_a_markdown_list_apart(as_a, personas):
    services.journal_create(
        client=personas.client_a,
        text="- woke up anxious\n- breathing exercise\n\nThen **better**.\nSlept early",
    )
    page = journal(as_a)
    assert "woke up anxious · breathing exercise · Then better. · Slept early" in page
    assert "anxiousbreathing" not in page


# --- Triggers ------------------------------------------------------------------------------


@pytest.fixture
def plan_trigger(personas):
    plan = plan_services.plan_for_relationship(personas.relationship_a)
    plan_services.item_add(
        author=personas.therapist_a, plan=plan, section="triggers", text="Crowded trains"
    )
    return plan


def test_the_form_offers_the_plans_and_earlier_triggers_once_each(as_a, personas, plan_trigger):
    services.journal_create(
        client=personas.client_a, text="x", triggers=["crowded  TRAINS", "Work"]
    )
    page = as_a.get(reverse("client_journal_new")).content.decode()
    assert page.count('name="trigger_picks"') == 2
    assert 'name="trigger_picks" value="Crowded trains"' in page
    assert 'name="trigger_picks" value="Work"' in page
    assert "<legend>What set it off (optional)</legend>" in page


def test_ticked_and_typed_triggers_are_saved_in_the_plans_spelling(as_a, personas, plan_trigger):
    response = as_a.post(
        reverse("client_journal_new"),
        {
            "text": "Rush hour",
            "trigger_picks": ["Crowded trains"],
            "triggers": "CROWDED trains, noise",
        },
    )
    assert response.status_code == 302
    assert JournalEntry.objects.get().triggers == ["Crowded trains", "noise"]
    as_a.post(reverse("client_journal_new"), {"text": "Again", "triggers": " crowdedtrains "})
    assert JournalEntry.objects.order_by("-id").first().triggers == ["Crowded trains"]


def test_editing_ticks_the_entrys_triggers_from_the_list(as_a, personas, plan_trigger):
    entry = services.journal_create(
        client=personas.client_a, text="x", triggers=["crowded trains", "a dog barking"]
    )
    form = as_a.get(record_url(entry, "client_record_edit")).context["form"]
    assert form.initial["trigger_picks"] == ["Crowded trains", "a dog barking"]
    assert form.initial["triggers"] == ""


def test_too_many_triggers_is_a_clear_message(as_a, personas, plan_trigger):
    typed = ", ".join(f"t{i}" for i in range(20))
    response = as_a.post(
        reverse("client_journal_new"),
        {"text": "x", "trigger_picks": ["Crowded trains"], "triggers": typed},
    )
    assert response.status_code == 400
    assert "At most 20 triggers" in response.content.decode()
    assert not JournalEntry.objects.exists()


def test_the_plans_trigger_counts_match_old_spellings(personas, plan_trigger):
    a = personas.client_a
    for tags in (["crowded trains"], ["Crowded  Trains "], ["CrowdedTrains"], ["crowds"]):
        services.journal_create(client=a, text="x", triggers=tags)
    (figure,) = trigger_figures(viewer=a, plan=plan_trigger, items=plan_items(plan_trigger))
    assert figure.count == 3


def test_old_spellings_count_once_per_entry(personas, plan_trigger):
    a = personas.client_a
    services.journal_create(client=a, text="x", triggers=["crowded trains"])
    JournalEntry.objects.update(triggers=["crowded trains", "Crowded Trains"])  # saved long ago
    (figure,) = trigger_figures(viewer=a, plan=plan_trigger, items=plan_items(plan_trigger))
    assert figure.count == 1


def test_search_and_months_use_the_clients_local_day(as_a, personas):
    # 23:30 UTC on 31 October is already 1 November in a zone an hour ahead.
    a = personas.client_a
    a.timezone = "Europe/Paris"
    a.save(update_fields=["timezone"])
    services.journal_create(
        client=a, text="Late night", occurred_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    )
    page = journal(as_a)
    assert "month=2026-11" in page and "month=2026-10" not in page
    assert shown(journal(as_a, month="2026-11", q="late")) == 1


def test_a_person_named_in_time_with_people_is_found(as_a, personas):
    sam = PersonFactory(client=personas.client_a, name="Samira")
    SocialActivityFactory(client=personas.client_a, day=TODAY - timedelta(days=1), person=sam)
    SocialActivityFactory(client=personas.client_a, day=TODAY - timedelta(days=2))
    assert shown(journal(as_a, q="samira")) == 1
