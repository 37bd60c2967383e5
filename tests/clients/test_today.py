"""Today, gently: open items first, kind words for days not logged, no false "all done"."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from homework import services
from homework.models import Completion

pytestmark = pytest.mark.django_db

NOW = "2026-11-26 10:00:00+00:00"  # Thursday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def assign(personas, **fields):
    values = {"kind": "journal", "title": "Daily mood and thoughts", "frequency": "daily"} | fields
    return services.assignment_create(
        therapist=personas.therapist_a, relationship=personas.relationship_a, **values
    )


def today_page(client, personas) -> str:
    client.force_login(personas.client_a)
    return client.get(reverse("client_home")).content.decode()


def test_it_says_the_therapist_has_not_added_anything_yet(client, personas):
    page = today_page(client, personas)
    assert "Your therapist hasn't added anything yet" in page
    assert "Dr. Ann Able adds homework" in page
    assert "Nothing left" not in page and "All done" not in page


def test_it_groups_past_days_per_homework_in_kind_words(client, personas):
    daily = assign(personas, start_date=date(2026, 11, 22))
    page = today_page(client, personas)
    assert "Daily mood and thoughts — 4 days not logged yet" in page
    assert f'<details class="card backlog" id="backlog-{daily.public_id}"' in page
    assert "Missed" not in page
    # Today's item comes first; no empty state above an open item.
    assert page.index(f'data-due="{daily.public_id}"') < page.index("not logged yet")
    assert "data-empty=" not in page


def test_a_past_day_can_still_be_checked_off(client, personas):
    daily = assign(personas, start_date=date(2026, 11, 22))
    client.force_login(personas.client_a)
    response = client.post(
        reverse("client_complete", args=[daily.public_id]), {"due_date": "2026-11-23"}, follow=True
    )
    assert "3 days not logged yet" in response.content.decode()
    assert Completion.objects.get().due_date == date(2026, 11, 23)


def test_times_a_week_homework_is_for_any_day_this_week(client, personas):
    walk = assign(
        personas, title="Walk", frequency="weekly", times_per_week=3, start_date=date(2026, 11, 1)
    )
    page = today_page(client, personas)
    assert f'data-weekly="{walk.public_id}"' in page
    assert "Any day this week" in page and "0 of 3" in page


def test_once_by_a_date_shows_from_its_start_and_can_be_done_early(client, personas):
    letter = assign(
        personas,
        title="Write a letter",
        frequency="once",
        start_date=date(2026, 11, 25),
        due_date=date(2026, 12, 3),
    )
    page = today_page(client, personas)
    assert f'data-once="{letter.public_id}"' in page
    assert "Due by Thu 3 Dec" in page
    response = client.post(
        reverse("client_complete", args=[letter.public_id]),
        {"due_date": "2026-12-03", "note": "Sent it"},
        follow=True,
    )
    page = response.content.decode()
    assert f'data-done="{letter.public_id}"' in page and "done early" in page
    assert f'data-once="{letter.public_id}"' not in page
    assert "All done for today" in page


def test_once_by_a_date_is_not_shown_before_its_start(client, personas):
    assign(
        personas,
        title="Write a letter",
        frequency="once",
        start_date=date(2026, 11, 28),
        due_date=date(2026, 12, 3),
    )
    page = today_page(client, personas)
    assert "Write a letter" not in page
    assert "Nothing is due today" in page


def test_the_note_field_says_who_will_read_it(client, personas):
    assign(personas)
    assert "Dr. Ann Able will see this." in today_page(client, personas)


def test_ending_sharing_lives_on_the_account_page(client, personas):
    page = today_page(client, personas)
    assert "Stop sharing" not in page
    account = client.get(reverse("client_account")).content.decode()
    assert "Stop sharing with Dr. Ann Able" in account
    assert reverse("client_calendar") in account


def test_pages_mark_the_current_place(client, personas):
    page = today_page(client, personas)
    assert f'href="{reverse("client_home")}" aria-current="page"' in page
    week = client.get(reverse("client_week")).content.decode()
    assert f'href="{reverse("client_week")}" aria-current="page"' in week


def test_more_than_asked_this_week_is_said_as_it_is(client, personas):
    walk = assign(
        personas, title="Walk", frequency="weekly", times_per_week=2, start_date=date(2026, 11, 1)
    )
    for day in (23, 24, 25):
        services.completion_create(
            client=personas.client_a, assignment=walk, due_date=date(2026, 11, day)
        )
    page = today_page(client, personas)
    assert f'data-done="{walk.public_id}"' in page
    assert "3 this week, 2 asked" in page
    assert "3 of 2" not in page


def test_the_done_list_keeps_the_check_and_title_together_and_undo_last(client, personas):
    walk = assign(
        personas, title="Walk", frequency="weekly", times_per_week=2, start_date=date(2026, 11, 1)
    )
    for day in (23, 26):
        services.completion_create(
            client=personas.client_a, assignment=walk, due_date=date(2026, 11, day)
        )
    page = today_page(client, personas)
    row = page.split(f'data-done="{walk.public_id}"')[1].split("</div>")[0]
    assert '<span class="done-text">Walk' in row and "2 of 2 this week" in row
    assert row.index('class="done-text"') < row.index("Undo")
