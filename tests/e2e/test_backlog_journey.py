"""A client with a week of homework not logged sees it grouped, kindly, and checks off a past
day in place on a phone; without JavaScript the same form works with a page load."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.clock import local_today
from homework import services
from homework.models import Completion
from tests.conftest import make_active_relationship
from tests.e2e.browser import PHONE, assert_fits_the_screen
from tests.factories import PASSWORD, ClientFactory, TherapistFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def daily(transactional_db):
    therapist = TherapistFactory(email="dr.avery@example.org", name="Dr. Avery Stone")
    client = ClientFactory(email="sam@example.org", name="Sam Client", timezone="UTC")
    relationship = make_active_relationship(therapist, client)
    return services.assignment_create(
        therapist=therapist,
        relationship=relationship,
        kind="journal",
        title="Daily mood and thoughts",
        frequency="daily",
        start_date=local_today("UTC") - timedelta(days=4),
    )


def sign_in(page) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "sam@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/client/$"))


def test_a_past_day_is_checked_off_in_place(daily, browser_contexts):
    page = browser_contexts(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page)
    group = page.locator(f'[data-overdue="{daily.public_id}"]')
    expect(group.locator("summary")).to_have_text("Daily mood and thoughts — 4 days not logged yet")
    expect(page.get_by_text("Missed")).to_have_count(0)
    # Today's item comes first, the past days after it.
    assert page.locator(f'[data-due="{daily.public_id}"]').is_visible()
    assert_fits_the_screen(page)

    page.evaluate("window.stillThisPage = true")  # gone if the page were loaded again
    group.locator("summary").click()
    two_days_ago = local_today("UTC") - timedelta(days=2)
    day = group.locator(f'li[data-day="{two_days_ago:%Y-%m-%d}"]')
    day.locator("input[name=note]").fill("Better than I thought")
    day.get_by_role("button", name=re.compile("^Done")).click()

    expect(page.get_by_role("status")).to_contain_text("Done: Daily mood and thoughts")
    expect(group.locator("summary")).to_have_text("Daily mood and thoughts — 3 days not logged yet")
    expect(group).to_have_attribute("open", "")  # still open where the person was
    expect(group.locator(f'li[data-day="{two_days_ago:%Y-%m-%d}"]')).to_have_count(0)
    assert page.evaluate("window.stillThisPage") is True
    completion = Completion.objects.get()
    assert (completion.due_date, completion.note) == (two_days_ago, "Better than I thought")

    # Today's item: done and undone with one tap each, in place too.
    page.locator(f'[data-due="{daily.public_id}"]').get_by_role(
        "button", name=re.compile("^Done")
    ).click()
    done = page.locator(f'[data-done="{daily.public_id}"]')
    expect(done).to_be_visible()
    expect(page.locator(f'[data-due="{daily.public_id}"]')).to_have_count(0)
    done.get_by_role("button", name=re.compile("^Undo")).click()
    expect(page.get_by_role("status")).to_contain_text("Undone")
    expect(page.locator(f'[data-due="{daily.public_id}"]')).to_be_visible()
    assert page.evaluate("window.stillThisPage") is True
    assert Completion.objects.count() == 1


def test_checking_off_works_the_same_without_javascript(daily, browser_contexts):
    page = browser_contexts(viewport=PHONE, java_script_enabled=False).new_page()
    sign_in(page)
    group = page.locator(f'[data-overdue="{daily.public_id}"]')
    group.locator("summary").click()
    yesterday = local_today("UTC") - timedelta(days=1)
    group.locator(f'li[data-day="{yesterday:%Y-%m-%d}"]').get_by_role(
        "button", name=re.compile("^Done")
    ).click()
    expect(page.get_by_role("status")).to_contain_text("Done: Daily mood and thoughts")
    expect(group.locator("summary")).to_have_text("Daily mood and thoughts — 3 days not logged yet")
    assert Completion.objects.get().due_date == yesterday
