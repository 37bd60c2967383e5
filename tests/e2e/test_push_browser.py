"""A push as the phone shows it: the service worker (static/js/sw.js) turns the payload the
server sends (notifications/push.py) into a notification with its text and a link into
Tandem, and never a link elsewhere. The push is delivered to the real worker through
Chromium's DevTools protocol (`ServiceWorker.deliverPushMessage`), as a push service would
hand it over; the notifications are read back from the registration."""

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_until
from tests.e2e.test_offline_journey import kept_today, phone, sign_in
from tests.factories import ClientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SHOWN = """() => navigator.serviceWorker.ready
  .then((registration) => registration.getNotifications())
  .then((shown) => shown.map((n) => ({
    title: n.title, body: n.body, tag: n.tag, url: n.data.url,
  })))"""


def test_a_push_shows_its_words_and_links_only_into_tandem(
    transactional_db, browser_contexts, live_server
):
    ClientFactory(email="kai@example.org", name="Kai Client")
    context = phone(browser_contexts)
    context.context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    sign_in(page, "kai@example.org")
    kept_today(page)

    cdp = context.context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    # The sync API hands over DevTools events while it talks to the browser: ask it something.
    wait_until(
        lambda: page.evaluate("true") and registrations,
        timeout=30,
        what="the worker's registration",
    )
    registration = registrations[0]["registrationId"]

    def deliver(data: str) -> None:
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": live_server.url, "registrationId": registration, "data": data},
        )

    # In full runs of the suite a push handed over through DevTools has now and then not
    # reached the worker (three times in all, the first push of the test among them); it is
    # handed over again then. A note replaces the one with its tag, so a second delivery
    # cannot add one. Each is shown before the next is sent.
    def delivered(data: str, shown: Callable[[list[dict]], bool], what: str) -> None:
        for _ in range(3):
            deliver(data)
            try:
                wait_until(lambda: shown(page.evaluate(SHOWN)), timeout=15, what=what)
            except AssertionError:
                continue
            return
        raise AssertionError(f"not within three deliveries: {what}")

    first = {
        "title": "Tandem",
        "body": "1 piece of homework is waiting for you today",
        "url": "/client/",
        "tag": "reminder",
    }
    delivered(json.dumps(first), lambda notes: len(notes) == 1, "the notification shown")
    assert page.evaluate(SHOWN) == [
        {
            "title": "Tandem",
            "body": "1 piece of homework is waiting for you today",
            "tag": "reminder",
            "url": "/client/",
        }
    ]

    # A newer note of the same kind replaces the older one.
    delivered(
        json.dumps({"title": "Tandem", "body": "Newer", "url": "/client/", "tag": "reminder"}),
        lambda notes: [n["body"] for n in notes] == ["Newer"],
        "the newer note in place of the older",
    )

    # A link elsewhere, or a payload that is not ours, leads to Tandem's own front page.
    delivered(
        json.dumps({"title": "Tandem", "body": "Away", "url": "//evil.example/", "tag": "x"}),
        lambda notes: len(notes) == 2,
        "the note with a link elsewhere",
    )
    delivered("not json", lambda notes: len(notes) == 3, "the note from a payload not ours")
    shown = {n["tag"]: n for n in page.evaluate(SHOWN)}
    assert shown["x"]["url"] == "/"
    assert shown["tandem"] == {
        "title": "Tandem",
        "body": "Something is waiting for you in Tandem.",
        "tag": "tandem",
        "url": "/",
    }

    # Signing out unregisters the worker, and with it this device's push subscription.
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then((r) => r.length)") == 1
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    wait_until(
        lambda: (
            page.evaluate("navigator.serviceWorker.getRegistrations().then((r) => r.length)") == 0
        ),
        timeout=30,
        what="no service worker left after signing out",
    )
