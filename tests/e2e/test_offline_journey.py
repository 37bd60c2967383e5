"""On a phone, without a connection: the client opens Today (the service worker's kept copy),
sees that they are offline, logs a mood and their exercise, and both wait on the phone; the
connection comes back and exactly one journal entry and one lifestyle log arrive, however
often they are sent again; signing out leaves nothing on the phone. A second log of a day
that already has one comes back as a kind message on Today. Another person signing in on
the phone never sees the first one's Today.

Going offline is `BrowserContext.set_offline`: in this Playwright and Chromium it cuts the
service worker's own requests too, not only the page's (checked below: the worker's send
fails while offline, and the reload is answered from its kept copy). The worker is real,
registered by the page as in production; nothing is mocked."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from accounts.clock import local_today
from clients import services
from clients.models import IdempotencyKey, JournalEntry, LifestyleLog, SocialActivity
from tests.conftest import ROOT, activate_totp, make_active_relationship
from tests.e2e.browser import PHONE
from tests.e2e.conftest import wait_until
from tests.e2e.test_accessibility import VIEWPORTS, Report, assert_clean, check_sizes
from tests.factories import PASSWORD, ClientFactory, PersonFactory, TherapistFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SCREENSHOTS = ROOT / "var" / "artifacts" / "screenshots"
BANNER = "Offline — saved on this phone, sent when you are back"

# What a page can ask the worker (static/js/sw.js), as the page's own script does.
ASK = """(message) => navigator.serviceWorker.ready.then((registration) =>
  new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    registration.active.postMessage(message, [channel.port2]);
  })
)"""
KEPT_TODAY = "async () => Boolean(await caches.match('/client/'))"
WHAT_IS_KEPT = """async () => {
  const caches_ = await caches.keys();
  const databases = (await indexedDB.databases()).map((d) => d.name);
  let entries = 0;
  if (databases.includes("tandem-offline")) {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open("tandem-offline");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const names = Array.from(db.objectStoreNames);
    for (const name of names) {
      entries += await new Promise((resolve) => {
        const count = db.transaction(name).objectStore(name).count();
        count.onsuccess = () => resolve(count.result);
      });
    }
    db.close();
  }
  return { caches: caches_, entries: entries };
}"""


@pytest.fixture
def world(transactional_db):
    therapist = TherapistFactory(email="dr.rowe@example.org", name="Dr. Robin Rowe")
    activate_totp(therapist)
    kai = ClientFactory(email="kai@example.org", name="Kai Client", timezone="Europe/London")
    make_active_relationship(therapist, kai)
    PersonFactory(client=kai, name="Sam")
    lee = ClientFactory(email="lee@example.org", name="Lee Other", timezone="Europe/London")
    return {"kai": kai, "lee": lee}


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"offline-{name}.png"), full_page=True)


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/client/$"))


def kept_today(page: Page) -> None:
    """The worker looks after the page, and has kept Today."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    wait_until(lambda: page.evaluate(KEPT_TODAY), timeout=30, what="Today kept by the worker")


def ask(page: Page, message: dict) -> dict:
    return page.evaluate(ASK, message)


def phone(browser_contexts):
    return browser_contexts(viewport=PHONE, is_mobile=True, has_touch=True)


def offline_on_today(browser_contexts, *, init_script: str = ""):
    """Kai signed in on a phone that has kept Today, then without a connection, on Today
    as the worker kept it (with `init_script` run before the page's own)."""
    context = phone(browser_contexts)
    page = context.new_page()
    sign_in(page, "kai@example.org")
    kept_today(page)
    context.context.set_offline(True)
    if init_script:
        page.add_init_script(init_script)
    page.reload()
    return context, page


def test_logged_offline_arrives_once_and_signing_out_leaves_nothing(world, browser_contexts):
    kai = world["kai"]
    context, page = offline_on_today(browser_contexts)

    # Today as the worker kept it, saying plainly that this is offline.
    expect(page.locator("body")).to_have_attribute("data-offline-copy", re.compile(r"^\d{4}-"))
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(BANNER)
    mood = page.locator("#mood")
    mood.get_by_label("A few words").fill("Quiet evening in")
    mood.get_by_role("button", name="6", exact=True).tap()
    waiting = page.locator("[data-offline-waiting] li")
    expect(waiting).to_have_count(1)
    expect(waiting.first).to_contain_text("Mood 6 — “Quiet evening in”")
    expect(waiting.first).to_contain_text("waiting to be sent")
    expect(page.locator("#messages")).to_contain_text("Saved on this phone: Mood 6")
    quick = page.locator('[data-quick="lifestyle"]')
    quick.get_by_label("Minutes of exercise").fill("30")
    quick.get_by_role("button", name="Save day").click()
    expect(waiting).to_have_count(2)
    expect(waiting.nth(1)).to_contain_text("30 minutes of exercise")
    people = page.locator('[data-quick="social"]')
    people.get_by_label("Who").select_option(label="Sam")
    people.get_by_label("How").select_option("call")
    people.get_by_label("Minutes").fill("20")
    people.get_by_role("button", name="Save").click()
    expect(waiting).to_have_count(3)
    expect(waiting.nth(2)).to_contain_text("20 minutes with Sam (call)")

    # The worker cannot reach the server either: set_offline holds for its requests.
    user = str(kai.public_id)
    answer = ask(page, {"type": "flush", "user": user, "csrf": ""})
    assert answer["stopped"] is True and answer["sent"] == []
    assert len(answer["entries"]) == 3
    assert not JournalEntry.objects.exists() and not LifestyleLog.objects.exists()
    assert not SocialActivity.objects.exists()
    assert page.evaluate("() => document.querySelector('html').scrollWidth") <= PHONE["width"]

    report = Report("client")
    check_sizes(page, report, "Today offline, three entries waiting")
    assert_clean(report, "client")
    page.set_viewport_size(VIEWPORTS["phone"])
    shot(page, "today-phone")
    page.set_viewport_size(VIEWPORTS["desk"])
    shot(page, "today-desk")
    page.set_viewport_size(VIEWPORTS["phone"])
    (mood_entry,) = [e for e in answer["entries"] if e["kind"] == "journal"]

    # Any other page says plainly that it needs a connection, and leads to what is kept:
    # Today, and where to find help now.
    page.goto("/client/journal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    report = Report("client")
    check_sizes(page, report, "Offline page", place=False)
    assert_clean(report, "client")
    page.set_viewport_size(VIEWPORTS["phone"])
    page.get_by_role("link", name="Get help now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Help right now")
    expect(page.locator("[data-resource]").first).to_be_visible()
    page.goto("/")  # as from the home screen
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(waiting).to_have_count(3)

    context.context.set_offline(False)

    wait_until(
        lambda: JournalEntry.objects.count() == 1 and LifestyleLog.objects.count() == 1,
        what="the two entries to arrive",
    )
    expect(page.locator("body")).not_to_have_attribute("data-offline-copy", re.compile(".*"))
    expect(waiting).to_have_count(0)
    expect(banner).to_be_hidden()
    expect(page.locator("#messages")).to_contain_text("Sent: your mood from")
    entry, log = JournalEntry.objects.get(), LifestyleLog.objects.get()
    assert (entry.client, entry.mood, entry.text) == (kai, 6, "Quiet evening in")
    assert entry.shared is False  # the share box was left unticked
    # The moment it was logged on the phone, not when it arrived.
    assert str(entry.public_id) != mood_entry["key"]
    assert entry.occurred_at.isoformat(timespec="seconds")[:16] == mood_entry["loggedAt"][:16]
    assert (log.client, log.exercise_minutes, log.day) == (kai, 30, local_today(kai.timezone))
    wait_until(lambda: SocialActivity.objects.count() == 1, what="the time with Sam to arrive")
    activity = SocialActivity.objects.get()
    assert (activity.person.name, activity.mode, activity.minutes) == ("Sam", "call", 20)
    assert IdempotencyKey.objects.filter(user=kai).count() == 3

    # Sent again, as after an answer lost on the way: the server answers as the first time,
    # the entry leaves the queue, and nothing new is made. A reload sends nothing either.
    ask(page, {"type": "queue", "entry": mood_entry})
    answer = ask(page, {"type": "flush", "user": user, "csrf": csrf_of(page)})
    assert answer["entries"] == [] and answer["stopped"] is False
    page.reload()
    expect(page.locator("ul.logged li")).to_have_count(3)
    expect(page.locator("body")).not_to_have_attribute("data-offline-copy", re.compile(".*"))
    assert JournalEntry.objects.count() == 1 and LifestyleLog.objects.count() == 1
    assert SocialActivity.objects.count() == 1

    # Signing out: nothing of Kai stays on the phone.
    assert page.evaluate(WHAT_IS_KEPT)["caches"]
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert page.evaluate(WHAT_IS_KEPT) == {"caches": [], "entries": 0}


def csrf_of(page: Page) -> str:
    return page.evaluate("() => (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || ''")


def test_a_second_log_of_the_day_comes_back_as_a_message_on_today(world, browser_contexts):
    kai = world["kai"]
    context, page = offline_on_today(browser_contexts)
    quick = page.locator('[data-quick="lifestyle"]')
    quick.get_by_label("Minutes of exercise").fill("45")
    quick.get_by_role("button", name="Save day").click()
    expect(page.locator("[data-offline-waiting] li")).to_have_count(1)
    # Meanwhile the day was logged from another device.
    services.lifestyle_create(client=kai, sleep_hours=7)

    context.context.set_offline(False)

    # Back online, Today is Today again (not the kept copy), with the refusal on it.
    expect(page.locator("body")).not_to_have_attribute(
        "data-offline-copy", re.compile(".*"), timeout=30_000
    )
    expect(page.locator("[data-offline-banner]")).to_be_hidden()
    problem = page.locator("[data-offline-problem]")
    # The refusal comes once the worker's send is answered (Background Sync or the page's own
    # ask, whichever first, tried again if it found no network yet): on a busy machine that
    # may take longer than expect's 5 s.
    expect(problem).to_have_count(1, timeout=30_000)
    weekday = timezone.localtime(timezone.now(), kai.zone).strftime("%A")
    expect(problem).to_contain_text(f"Your exercise from {weekday}")
    expect(problem).to_contain_text("could not be saved: you had already logged that day.")
    expect(problem).to_contain_text("What you logged: 45 minutes of exercise.")
    expect(problem.get_by_role("link", name="Open your journal")).to_be_visible()
    expect(page.locator("[data-offline-waiting] li")).to_have_count(0)
    assert LifestyleLog.objects.get(client=kai).exercise_minutes is None
    report = Report("client")
    check_sizes(page, report, "Today, an offline entry refused")
    assert_clean(report, "client")
    page.set_viewport_size(VIEWPORTS["phone"])
    shot(page, "today-refused")

    # Signing out with it on the phone asks first.
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("[data-sign-out-note]")).to_have_text(
        "1 entry on this phone has not been saved. Signing out deletes it from this phone."
    )
    expect(page.get_by_role("button", name="Sign out and delete it")).to_be_focused()
    expect(page).to_have_url(re.compile(r"/client/$"))

    # Still there after a reload, until dismissed.
    page.reload()
    expect(problem).to_have_count(1)
    problem.get_by_role("button", name="Dismiss").click()
    expect(problem).to_have_count(0)
    assert ask(page, {"type": "list", "user": str(kai.public_id)})["entries"] == []

    # Signing out from the "Sign out?" page, which the page's script does not see: the
    # server's Clear-Site-Data alone leaves nothing behind.
    assert page.evaluate(WHAT_IS_KEPT)["caches"]
    page.goto("/accounts/logout/")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert page.evaluate(WHAT_IS_KEPT) == {"caches": [], "entries": 0}


# A browser without Background Sync (Firefox, Safari), whose "online" event is late: only the
# page's own next try can send what waits. Set before the page's script runs.
NO_BACKGROUND_SYNC_LATE_ONLINE = """
Object.defineProperty(
  ServiceWorkerRegistration.prototype, "sync", { configurable: true, get: () => undefined }
);
const add = window.addEventListener;
window.addEventListener = function (type, listener, options) {
  if (type === "online") {
    const inner = listener;
    listener = function (event) {
      if (!event.isTrusted) return inner.call(this, event);
    };
  }
  return add.call(this, type, listener, options);
};
"""
# The instant the connection comes back: the page is told so, the network is not there yet.
NOT_YET_CONNECTED = """() => {
  Object.defineProperty(navigator, "onLine", { configurable: true, get: () => true });
  window.dispatchEvent(new Event("online"));
}"""


def test_a_try_that_finds_no_network_yet_is_tried_again_by_the_page(world, browser_contexts):
    kai = world["kai"]
    context, page = offline_on_today(browser_contexts, init_script=NO_BACKGROUND_SYNC_LATE_ONLINE)
    page.locator("#mood").get_by_role("button", name="4", exact=True).tap()
    waiting = page.locator("[data-offline-waiting]")
    expect(waiting.locator("li")).to_have_count(1)

    page.evaluate(NOT_YET_CONNECTED)
    # The first try found no network: the mood still waits, and the page will try again.
    expect(waiting).to_have_attribute("data-trying-again", "2000", timeout=30_000)
    expect(waiting.locator("li")).to_contain_text("waiting to be sent")
    assert not JournalEntry.objects.exists()

    context.context.set_offline(False)
    wait_until(lambda: JournalEntry.objects.count() == 1, timeout=30, what="the mood to arrive")
    expect(waiting.locator("li")).to_have_count(0, timeout=30_000)
    expect(waiting).not_to_have_attribute("data-trying-again", re.compile(".*"))
    entry = JournalEntry.objects.get()
    assert (entry.client, entry.mood) == (kai, 4)


def test_another_person_on_the_phone_never_sees_the_first_ones_today(world, browser_contexts):
    context, page = offline_on_today(browser_contexts)
    page.locator("#mood").get_by_role("button", name="3", exact=True).tap()
    expect(page.locator("[data-offline-waiting] li")).to_have_count(1)
    # Kai's session ends without signing out (it ran out): back online, the mood waits for
    # Kai to sign in again. Then Lee signs in on the phone.
    context.context.clear_cookies()
    context.context.set_offline(False)
    # Said once a try to send is answered by the server (a sign-in page); a try made in the
    # instant the connection comes back can find no network yet, and the page tries again.
    waiting = page.locator("[data-offline-waiting]")
    expect(waiting.locator("li")).to_contain_text(
        "waiting: sign in again to send it", timeout=30_000
    )
    # Waiting for the person is not retried.
    expect(waiting).not_to_have_attribute("data-trying-again", re.compile(".*"))
    sign_in(page, "lee@example.org")
    expect(page.get_by_text("Hello, Lee Other.")).to_be_visible()
    wait_until(
        lambda: (
            "Lee Other"
            in page.evaluate("async () => (await (await caches.match('/client/'))?.text()) || ''")
        ),
        what="Lee's Today kept in place of Kai's",
    )
    context.context.set_offline(True)
    page.reload()

    expect(page.locator("body")).to_have_attribute("data-offline-copy", re.compile(".+"))
    expect(page.get_by_text("Hello, Lee Other.")).to_be_visible()
    expect(page.get_by_text("Kai Client")).to_have_count(0)
    # Kai's mood waits for Kai: neither shown to Lee nor sent as Lee's.
    expect(page.locator("[data-offline-waiting] li")).to_have_count(0)
    context.context.set_offline(False)
    reload_unless_it_reloads_itself(page)
    expect(page.locator("[data-offline-waiting] li")).to_have_count(0)
    assert not JournalEntry.objects.exists()


def reload_unless_it_reloads_itself(page: Page) -> None:
    """Reload the page. The kept copy of Today reloads itself as the connection comes back,
    and a reload asked for in that instant is aborted by the page's own: then the page's is
    waited for."""
    try:
        page.reload()
    except PlaywrightError as error:
        if "ERR_ABORTED" not in str(error):
            raise
        page.wait_for_load_state()


def test_a_connection_lost_unnoticed_by_the_browser_keeps_the_mood_on_the_phone(
    world, browser_contexts
):
    """The browser still believes it is online, but the mood's save finds no server: the
    mood is kept on the phone instead of the page falling over, and arrives once. (Only the
    page's request fails here: `page.route` does not see the worker's, so Background Sync
    may send the mood at once, or the next visit does.)"""
    context = phone(browser_contexts)
    page = context.new_page()
    sign_in(page, "kai@example.org")
    kept_today(page)
    page.route("**/client/journal/new/", lambda route: route.abort("internetdisconnected"))

    page.locator("#mood").get_by_role("button", name="8", exact=True).tap()

    expect(page.locator("#messages")).to_contain_text("Saved on this phone: Mood 8")
    expect(page).to_have_url(re.compile(r"/client/$"))
    page.unroute("**/client/journal/new/")
    page.reload()
    wait_until(lambda: JournalEntry.objects.filter(mood=8).exists(), what="the mood to arrive")
    expect(page.locator("[data-offline-waiting] li")).to_have_count(0)
    page.reload()
    assert JournalEntry.objects.filter(mood=8).count() == 1
