"""Every page of both portals, the sign-in, password and two-factor pages and the error pages,
checked in Chromium at a phone's and a desk's size, signed in as each role: axe-core finds no
violations, targets are at least 24x24 CSS px, nothing scrolls sideways on a phone, each page
states its language, has one h1 and marks where you are in the navigation.

Each page is loaded once and checked at both sizes in turn. The main screens are checked
again in the dark colour scheme, by axe's rules about colour (the scheme changes nothing
else). The figures of every check go
to var/artifacts/accessibility.json. axe-core is vendored under tests/e2e/vendor (see its
README there). With TANDEM_SCREENSHOTS=1 (`make screenshots`), screenshots of the main
screens are saved under var/artifacts/screenshots/ (git-ignored) for people to look at.

Each walk is cut into parts with xdist groups of their own, so that the workers share them.

The API docs page (/api/docs/) is left out: it is Swagger UI's own markup for developers,
outside the product's design, and is checked for the CSP by test_api_docs.py.
"""

import fcntl
import json
import os
import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import partial
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts import services as account_services
from accounts.clock import local_today
from accounts.models import CareRelationship
from appointments import services as session_services
from clients import services as record_services
from clients.export import export_data, readable_html
from homework import library
from homework import services as homework_services
from homework.models import HomeworkTemplate
from notifications import push
from notifications.emails import unsubscribe_token
from notifications.models import PushSubscription
from progress.demo import seed_history
from safety import services as safety_services
from safety.models import SafetyAlert
from tests.conftest import ROOT, activate_totp, make_active_relationship
from tests.e2e.browser import sign_in_with_totp
from tests.factories import PASSWORD, ClientFactory, TherapistFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1280, "height": 800}}
SCREENSHOTS = ROOT / "var" / "artifacts" / "screenshots"
SCREENSHOTS_WANTED = os.environ.get("TANDEM_SCREENSHOTS") == "1"
FIGURES = ROOT / "var" / "artifacts" / "accessibility.json"
MIN_TARGET = 24
# The dark colour scheme changes colours only (custom properties in static/css/tandem.css):
# the pages checked again in it are checked again by the rules about colour.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

# Interactive things that must be at least 24x24 CSS px. Links inside a sentence are exempt
# (WCAG 2.5.8 "inline" exception), so links count only where they stand alone.
TARGETS_JS = """
() => {
  const small = [];
  const selector = 'button, input:not([type=hidden]), select, textarea, summary, a';
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not rendered (closed menu, etc.)
    if (el.closest('.visually-hidden') || el.matches('.skip-link')) continue;
    if (el.tagName === 'A' && style.display === 'inline') {
      const parent = el.parentElement;
      const text = parent ? parent.textContent.replace(el.textContent, '').trim() : '';
      if (text.length > 0) continue;  // a link in running text
    }
    if (box.width < MIN - 0.5 || box.height < MIN - 0.5) {
      const label = (el.textContent || el.name || '').trim().slice(0, 40);
      small.push(`${el.tagName.toLowerCase()} "${label}" ${box.width}x${box.height}`);
    }
  }
  return small;
}
""".replace("MIN", str(MIN_TARGET))


@dataclass
class Report:
    role: str
    checked: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def save(self, role: str) -> None:
        """The parts of the walks run on different workers: each adds its checks to its role's
        under a lock, replacing those of the same page and viewport from an earlier run."""
        FIGURES.parent.mkdir(parents=True, exist_ok=True)
        with FIGURES.with_suffix(".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
            mine = {(c["page"], c["viewport"]) for c in self.checked}
            earlier = [c for c in figures.get(role, []) if (c["page"], c["viewport"]) not in mine]
            figures[role] = earlier + self.checked
            FIGURES.write_text(json.dumps(figures, indent=1))


def save_screenshot(page: Page, name: str) -> None:
    """The whole page as an image, for people to look at: only when TANDEM_SCREENSHOTS=1
    (`make screenshots`), as a full-page capture costs more than the checks themselves."""
    if not SCREENSHOTS_WANTED:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def check(
    page: Page,
    report: Report,
    name: str,
    viewport: str,
    *,
    place: bool = True,
    screenshot: str | None = None,
    rules: list[str] | None = None,
) -> None:
    """Run every check on the page as it is now (every axe rule, or only `rules`); problems
    are collected, not raised."""
    page.wait_for_load_state("load")
    where = f"{name} @ {viewport} ({page.url})"
    # Evaluated by the browser's devtools, outside the page's CSP; once per document (a state
    # checked after another on the same page, such as a menu opened, finds it there already).
    if page.evaluate("typeof axe === 'undefined'"):
        page.evaluate(AXE)
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    result = page.evaluate(
        "async (options) => { const r = await axe.run(document, options);"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }",
        options,
    )
    for violation in result:
        report.problems.append(
            f"{where}: axe {violation['id']} — {violation['help']} {violation['nodes']}"
        )
    facts = page.evaluate(
        """() => ({
          lang: document.documentElement.lang,
          h1: document.querySelectorAll('h1').length,
          current: document.querySelectorAll('nav [aria-current]').length,
          width: document.documentElement.scrollWidth,
        })"""
    )
    if not facts["lang"]:
        report.problems.append(f"{where}: no lang on <html>")
    if facts["h1"] != 1:
        report.problems.append(f"{where}: {facts['h1']} h1 elements")
    if place and not facts["current"]:
        report.problems.append(f"{where}: no navigation item marked aria-current")
    if viewport == "phone" and facts["width"] > VIEWPORTS["phone"]["width"]:
        report.problems.append(f"{where}: scrolls sideways, {facts['width']}px wide")
    for small in page.evaluate(TARGETS_JS):
        report.problems.append(f"{where}: target smaller than 24x24: {small}")
    if screenshot:
        save_screenshot(page, f"{screenshot}-{viewport}")
    report.checked.append({"page": name, "viewport": viewport, "violations": len(result)})


def check_sizes(page: Page, report: Report, name: str, **options) -> None:
    """The page as it is now at each size in turn: the same document laid out again (no
    script of the site looks at the window's size), as turning a tablet would."""
    for viewport, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        check(page, report, name, viewport, **options)


def check_help_and_errors(page: Page, report: Report, *, forbidden: str, missing: str) -> None:
    """The help page, another role's page (403) and a page that does not exist (404), none
    of them a place in the portal's navigation."""
    for name, url in [("How Tandem works", "/help/"), ("403", forbidden), ("404", missing)]:
        page.goto(url)
        check_sizes(page, report, name, place=False)


def assert_clean(report: Report, role: str) -> None:
    report.save(role)
    pages = {c["page"] for c in report.checked}
    print(f"{role}: {len(pages)} pages x {len(VIEWPORTS)} viewports = {len(report.checked)} checks")
    assert report.checked
    assert not report.problems, "\n".join(report.problems)


def check_dark(browser_contexts, state, report: Report, urls: list[str]) -> None:
    """The main screens again in dark mode (prefers-color-scheme), by the rules about colour."""
    page = browser_contexts(storage_state=state, color_scheme="dark").new_page()
    for number, url in enumerate(urls):
        page.goto(url)
        shot = f"dark-{report.role}" if number == 0 else None
        check_sizes(page, report, f"{url} (dark)", screenshot=shot, rules=COLOUR_RULES)


# --- Data ------------------------------------------------------------------------------


@pytest.fixture
def world(transactional_db, settings):
    library.install(HomeworkTemplate)
    # Push on, with a phone each: the settings pages show their devices and channels.
    settings.TANDEM_VAPID_PRIVATE_KEY = push.new_private_key()
    therapist = TherapistFactory(email="dr.avery@example.org", name="Dr. Avery Stone")
    activate_totp(therapist)
    client = ClientFactory(email="kai@example.org", name="Kai Client", timezone="UTC")
    for person in (therapist, client):
        PushSubscription.objects.create(
            user=person,
            endpoint=f"https://push.example.org/send/{person.public_id}",
            p256dh="unused",
            auth="unused",
            name="Phone",
        )
    relationship = make_active_relationship(therapist, client)
    quiet = ClientFactory(email="quinn@example.org", name="Quinn Quiet", timezone="UTC")
    quiet_relationship = make_active_relationship(therapist, quiet)
    today = local_today("UTC")
    common = {"therapist": therapist, "relationship": relationship, "kind": "journal"}
    daily = homework_services.assignment_create(
        **common,
        title="Daily mood and thoughts",
        instructions="Write **three lines** about your day.",
        frequency="daily",
        start_date=today - timedelta(days=6),
        reminder_time="20:00",
    )
    homework_services.assignment_create(
        **common,
        title="Walk outside",
        completes_by="check_off",  # today's entries complete only the daily journaling
        frequency="weekly",
        times_per_week=3,
        start_date=today - timedelta(days=14),
        target_value=30,
        target_unit="minutes",
    )
    homework_services.assignment_create(
        **common,
        title="Write a letter",
        completes_by="check_off",
        frequency="once",
        start_date=today,
        due_date=today + timedelta(days=7),
    )
    homework_services.completion_create(
        client=client, assignment=daily, due_date=today - timedelta(days=2), note="Felt calmer"
    )
    homework_services.assignment_create(
        therapist=therapist,
        relationship=quiet_relationship,
        kind="social",
        title="Call a friend",
        frequency="daily",
        start_date=today - timedelta(days=10),
    )
    homework_services.template_create(
        owner=therapist,
        kind="journal",
        title="My gratitude list",
        frequency="daily",
        instructions="Three things.",
    )
    CareRelationship.objects.create(
        therapist=therapist,
        invited_email="new.person@example.org",
        invitation_expires_at=timezone.now() + timedelta(days=7),
    )
    # Records: a shared entry with feedback, a private one, a day's log, time with someone.
    sam = record_services.person_create(client=client, name="Sam", kind="friend")
    shared = record_services.journal_create(
        client=client,
        text="Talked it through with Sam. **Felt lighter** afterwards.",
        mood=7,
        emotions=["calm", "hope"],
        triggers=["work"],
        needed="A quiet evening",
        shared=True,
    )
    record_services.feedback_create(author=therapist, record=shared, text="Thank you for this.")
    private = record_services.journal_create(client=client, text="Just for me.", mood=3)
    log = record_services.lifestyle_create(
        client=client,
        day=today - timedelta(days=1),
        sleep_hours=7,
        exercise_minutes=30,
        exercise_kind="walk",
        meals="yes",
        shared=True,
    )
    social = record_services.social_create(
        client=client, person=sam, mode="call", minutes=20, feeling=4, shared=True
    )
    plan = careplan_demo_plan(therapist, client, relationship, daily, sam)
    # A year of history before the recent weeks, for the Progress page.
    seed_history([relationship])
    measures = measures_demo(therapist, relationship)
    # Safety: Kai asked for help in a private entry (open); Quinn did earlier (acknowledged).
    record_services.journal_create(client=client, text="Not today.", mood=1, needs_help=True)
    earlier = record_services.journal_create(client=quiet, mood=2, needs_help=True, shared=True)
    safety_services.acknowledge(
        alert=SafetyAlert.objects.get(reference=earlier.public_id),
        therapist=therapist,
        note="Phoned Quinn; we went through the safety plan together.",
    )
    # Sessions: every week from the day after tomorrow, and one held last week.
    sessions = session_services.series_create(
        therapist=therapist,
        relationship=relationship,
        first_day=today + timedelta(days=2),
        start_time=time(17),
        count=4,
        mode="video",
        location="https://meet.example.org/kai",
    ).appointments
    session_services.appointment_create(
        therapist=therapist,
        relationship=relationship,
        day=today - timedelta(days=5),
        start_time=time(17),
        status="held",
    )
    return {
        **measures,
        "session": sessions[0],
        "therapist": therapist,
        "client": client,
        "daily": daily,
        "quiet": quiet,
        "shared": shared,
        "private": private,
        "log": log,
        "social": social,
        "sam": sam,
        "plan": plan,
    }


def careplan_demo_plan(therapist, client, relationship, daily, sam):
    """A plan with something in each section, a change since the agreed version, a log."""
    from careplans import services as plan_services

    plan = plan_services.plan_for_relationship(relationship)
    add = partial(plan_services.item_add, plan=plan)
    add(author=client, section="needs", text="Eight hours of sleep")
    add(author=client, section="emotions", text="Anxiety", signs="Tight chest", helps="A walk")
    trigger = add(
        author=therapist,
        section="triggers",
        text="Crowded trains",
        signs="Counting the stops",
        steps=["Breathe out slowly", "Step off at the next stop"],
    )
    add(author=client, section="empowers", text="Drawing in the evening")
    add(author=client, section="circle", person=sam, text="Sam, my oldest friend")
    goal = add(author=client, section="goals", text="Walk to work", measure="Three days a week")
    plan_services.homework_link(author=therapist, item=goal, assignment=daily)
    plan.refresh_from_db()
    plan_services.version_agree(therapist=therapist, version=plan.versions.get(number=3))
    log = plan_services.trigger_log_create(
        client=client, plan=plan, item=trigger, note="Packed at eight", shared=True
    )
    plan_services.trigger_log_rate(client=client, log=log, helped="a_little")
    plan_services.trigger_log_create(client=client, plan=plan, item=trigger)
    return plan


def measures_demo(therapist, relationship) -> dict:
    """A GAD-7 every week for a month (answered three times, due again today) and a PHQ-9
    due today."""
    from measures import services as measure_services

    setting = {"therapist": therapist, "relationship": relationship}
    gad7 = measure_services.measure_assign(**setting, instrument="gad7", every_weeks=1)
    gad7.start_date = local_today("UTC") - timedelta(weeks=3)
    gad7.save(update_fields=["start_date"])
    now = timezone.now()
    for period, answers in enumerate([[2] * 7, [2, 2, 1, 1, 1, 1, 1], [1] * 7]):
        response = measure_services.record_response(
            assignment=gad7,
            period=period,
            answers=answers,
            submitted_at=now - timedelta(weeks=3 - period),
        )
    phq9 = measure_services.measure_assign(**setting, instrument="phq9")
    return {"measure_due": phq9, "measure_response": response}


def measure_pages(world, *, therapist: bool = False) -> list[tuple]:
    if therapist:
        client_id = world["client"].public_id
        return [
            ("Questionnaires", f"/therapist/clients/{client_id}/measures/", "therapist-measures"),
            ("Set a questionnaire", f"/therapist/clients/{client_id}/measures/assign/", None),
        ]
    return [
        ("Questionnaire", f"/client/questionnaires/{world['measure_due'].public_id}/", "measure"),
        (
            "Questionnaire result",
            f"/client/questionnaires/results/{world['measure_response'].public_id}/",
            "measure-result",
        ),
        ("My questionnaires", "/client/questionnaires/", "measures"),
    ]


def care_plan_pages(world, *, therapist: bool = False) -> list[tuple]:
    plan = world["plan"]
    trigger = plan.items.get(section="triggers")
    pages = [
        ("Care plan", f"/plans/{plan.public_id}/", "plan"),
        ("Care plan, editing", f"/plans/{plan.public_id}/?edit=1", "plan-edit"),
        ("Plan history", f"/plans/{plan.public_id}/history/", "plan-history"),
        ("Add a trigger", f"/plans/{plan.public_id}/add/triggers/", None),
        ("Edit a trigger", f"/plans/items/{trigger.public_id}/", "plan-item"),
    ]
    if therapist:
        return [(name, url, shot and f"therapist-{shot}") for name, url, shot in pages]
    return [
        *pages,
        ("My plan", "/client/plan/", None),
        ("I'm triggered", "/client/triggered/", "triggered"),
        ("Coping steps", f"/client/triggered/{trigger.public_id}/", "triggered-steps"),
        ("Something else", "/client/triggered/something-else/", None),
    ]


# --- Tests ---------------------------------------------------------------------------
#
# Each walk is cut into parts, each with an xdist group of its own, so that `--dist loadgroup`
# spreads them over the workers. A part seeds its own world (the data above) and signs in once.


def client_page_list(world) -> list[tuple]:
    return [
        ("Today", "/client/", "today"),
        ("This week", "/client/week/", "week"),
        ("Account", "/client/account/", "account"),
        ("Calendar link", "/client/calendar/", None),
        ("To bring to my session", "/client/bring/", "to-bring"),
        (
            "Add a private entry to my next session",
            f"/client/bring/add/?source=journal&id={world['private'].public_id}",
            None,
        ),
        ("Journal", "/client/journal/", "journal"),
        ("Journal, filtered", "/client/journal/?kind=journal&shared=private", None),
        ("Journal, searched", "/client/journal/?q=sam", "journal-search"),
        ("Journal, nothing found", "/client/journal/?q=zebra", "journal-no-results"),
        ("Journal, a month", f"/client/journal/?month={local_today('UTC'):%Y-%m}", None),
        ("Write an entry", "/client/journal/new/", "journal-new"),
        (
            "Write an entry for homework",
            f"/client/journal/new/?assignment={world['daily'].public_id}",
            None,
        ),
        ("Log your day", "/client/lifestyle/new/", "lifestyle-new"),
        ("Time with people", "/client/social/new/", "social-new"),
        ("Shared entry", f"/client/records/{world['shared'].public_id}/", "record"),
        ("Private entry", f"/client/records/{world['private'].public_id}/", None),
        ("Day's log", f"/client/records/{world['log'].public_id}/", None),
        ("Time with Sam", f"/client/records/{world['social'].public_id}/", None),
        ("Edit entry", f"/client/records/{world['shared'].public_id}/edit/", None),
        ("Edit day's log", f"/client/records/{world['log'].public_id}/edit/", None),
        ("Edit time with Sam", f"/client/records/{world['social'].public_id}/edit/", None),
        ("My people", "/client/people/", "people"),
        ("Edit person", f"/client/people/{world['sam'].public_id}/", None),
        ("Delete account", "/client/account/delete/", "erase"),
        ("Reminders and e-mails", "/client/notifications/", "client-email-settings"),
        ("My week", "/client/my-week/", "my-week"),
        ("Progress", "/client/progress/", "progress"),
        ("Progress, a year", "/client/progress/?range=1y", "progress-year"),
        ("Progress, a range not offered", "/client/progress/?range=2w", None),
        ("Password", "/accounts/password/change/", None),
        ("Two-factor sign-in", "/accounts/2fa/", None),
        ("Confirm it's you", "/accounts/2fa/totp/activate/", None),
        *care_plan_pages(world),
        *measure_pages(world),
    ]


def therapist_page_list(world) -> list[tuple]:
    detail = f"/therapist/clients/{world['client'].public_id}/"
    template = HomeworkTemplate.objects.get(title="My gratitude list")
    return [
        ("Caseload", "/therapist/", "caseload"),
        ("Caseload by name", "/therapist/?sort=name", None),
        ("Client", detail, "client"),
        ("Assign: pick", f"{detail}assign/", "assign-pick"),
        ("Assign: form", f"{detail}assign/new/", "assign-form"),
        ("Assign: from a template", f"{detail}assign/new/?template={template.public_id}", None),
        ("Edit homework", f"/therapist/assignments/{world['daily'].public_id}/edit/", None),
        # Before the timeline, which marks what it shows as viewed.
        ("What waits", f"{detail}timeline/?waiting=1", "what-waits"),
        ("Timeline", f"{detail}timeline/", "timeline"),
        ("Timeline, filtered", f"{detail}timeline/?kind=journal", None),
        ("Shared entry", f"{detail}records/{world['shared'].public_id}/", "therapist-record"),
        ("Shared day's log", f"{detail}records/{world['log'].public_id}/", None),
        ("Templates", "/therapist/templates/", None),
        ("Reminders and e-mails", "/therapist/notifications/", "therapist-email-settings"),
        ("Weekly review", "/therapist/weekly-review/", "weekly-review"),
        ("Progress", f"{detail}progress/?range=1y", "therapist-progress"),
        ("Progress, 4 weeks", f"{detail}progress/", None),
        ("New template", "/therapist/templates/new/", None),
        ("Edit template", f"/therapist/templates/{template.public_id}/edit/", None),
        ("Password", "/accounts/password/change/", None),
        ("Two-factor sign-in", "/accounts/2fa/", None),
        ("New recovery codes", "/accounts/2fa/recovery-codes/generate/", None),
        ("Safety alerts", "/therapist/alerts/", "alerts"),
        ("Record a session", f"{detail}sessions/new/", "session-new"),
        ("Move a session", f"/therapist/sessions/{world['session'].public_id}/move/", None),
        ("Cancel a session", f"/therapist/sessions/{world['session'].public_id}/cancel/", None),
        ("Calendar link", "/therapist/calendar/", None),
        ("Session brief", f"/therapist/sessions/{world['session'].public_id}/brief/", "brief"),
        ("After a session", f"/therapist/sessions/{world['session'].public_id}/after/", None),
        *care_plan_pages(world, therapist=True),
        *measure_pages(world, therapist=True),
    ]


def part(pages: list[tuple], number: int, parts: int) -> list[tuple]:
    """The `number`th of `parts` slices of the list, every page in exactly one of them."""
    size = -(-len(pages) // parts)
    return pages[number * size : (number + 1) * size]


def parts(role: str, count: int) -> list:
    return [
        pytest.param(
            number, marks=pytest.mark.xdist_group(f"browser:accessibility:{role}-{number}")
        )
        for number in range(count)
    ]


def signed_in_as_client(world, browser_contexts) -> dict:
    context = browser_contexts(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", world["client"].email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/client/$"))
    return context.context.storage_state()


def signed_in_as_therapist(world, browser_contexts) -> dict:
    context = browser_contexts(viewport=VIEWPORTS["desk"])
    page = context.new_page()
    sign_in_with_totp(page, world["therapist"].email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/therapist/$"))
    return context.context.storage_state()


CLIENT_PAGE_PARTS = 3


@pytest.mark.parametrize("number", parts("client-pages", CLIENT_PAGE_PARTS))
def test_client_pages_are_accessible(world, browser_contexts, number):
    report = Report("client")
    state = signed_in_as_client(world, browser_contexts)
    page = browser_contexts(storage_state=state).new_page()
    for name, url, shot in part(client_page_list(world), number, CLIENT_PAGE_PARTS):
        page.goto(url)
        check_sizes(page, report, name, screenshot=shot)
    assert_clean(report, "client")


@pytest.mark.xdist_group("browser:accessibility:client-states")
def test_client_states_are_accessible(world, browser_contexts):
    report = Report("client")
    state = signed_in_as_client(world, browser_contexts)
    page = browser_contexts(storage_state=state).new_page()
    # The care plan: a save that someone else beat.
    trigger = world["plan"].items.get(section="triggers")
    page.goto(f"/plans/items/{trigger.public_id}/")
    page.locator("input[name=base_version]").evaluate("el => el.value = '0'")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("[data-conflict]")).to_be_visible()
    check_sizes(page, report, "Plan item with a conflict", screenshot="plan-conflict")
    if SCREENSHOTS_WANTED:
        # The plan, and the Progress page's charts (drawn without JavaScript), as printed.
        for url, shot in [
            (f"/plans/{world['plan'].public_id}/", "plan-print"),
            ("/client/progress/?range=1y", "progress-print"),
        ]:
            page.goto(url)
            page.emulate_media(media="print")
            for viewport, size in VIEWPORTS.items():
                page.set_viewport_size(size)
                save_screenshot(page, f"{shot}-{viewport}")
            page.emulate_media(media="screen")
    # The page inside the data download, opened from a file: no site, no navigation, and
    # none of the site's CSP (which would refuse its inline styles).
    page.goto("about:blank")
    page.set_content(readable_html(world["client"], export_data(world["client"])))
    check_sizes(page, report, "Export page", place=False, screenshot="export-page")
    # Past days open, as a person would open them.
    page.goto("/client/")
    page.locator("details.backlog summary").first.click()
    check_sizes(page, report, "Today, past days open", screenshot="today-open")
    page.locator("details.menu summary").click()
    check_sizes(page, report, "Account menu open")
    # A message after checking off, and forms with errors.
    page.goto("/client/")
    page.locator("article .check-off button").first.click()
    expect(page.get_by_role("status")).to_contain_text("Done")
    check_sizes(page, report, "Today with a message")
    page.goto("/client/journal/new/")
    page.locator("main form button[type=submit]").click()
    check_sizes(page, report, "Entry with errors", screenshot="journal-errors")
    # "I need help now": saved, and straight to the crisis page (a stop of its own, reached
    # from the journal or a measure, so no navigation item is current there).
    page.goto("/client/journal/new/")
    page.fill("textarea[name=text]", "Everything is too much.")
    page.get_by_label("I need help now").check()
    page.locator("main form.record-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/help-now/$"))
    check_sizes(page, report, "Help right now", place=False, screenshot="crisis")
    # The page the service worker shows for a page it did not keep: a stop of its own too.
    page.goto("/offline/")
    check_sizes(page, report, "You are offline", place=False, screenshot="offline-page")
    page.goto("/client/social/new/")
    page.fill("input[name=minutes]", "-5")
    page.locator("main form button[type=submit]").click()
    check_sizes(page, report, "Time with people with errors")
    page.goto(f"/client/questionnaires/{world['measure_due'].public_id}/")
    page.get_by_role("button", name="Send my answers").click()
    check_sizes(page, report, "Questionnaire with errors", screenshot="measure-errors")
    page.goto("/client/account/delete/")
    page.fill("input[name=password]", "not my password")
    page.locator("main form button[type=submit]").click()
    check_sizes(page, report, "Delete account with errors")
    page.goto("/client/calendar/")
    turn_on = page.get_by_role("button", name="Turn on the calendar link")
    if turn_on.count():
        turn_on.click()
    else:
        page.get_by_role("button", name="Make a new link").click()
    expect(page.get_by_role("status")).to_contain_text("calendar link")
    check_sizes(page, report, "Calendar link on, with a message")
    page.goto("/accounts/password/change/")
    page.fill("input[name=oldpassword]", "not my password")
    page.fill("input[name=password1]", "x")
    page.fill("input[name=password2]", "y")
    page.locator("main form button[type=submit]").first.click()
    check_sizes(page, report, "Password with errors")
    # Setting up an authenticator asks for the password again first.
    page.goto("/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
        check_sizes(page, report, "Set up an authenticator")
    page.fill("input[name=code]", "000000")
    page.locator("main form button[type=submit]").first.click()
    check_sizes(page, report, "Authenticator with errors")
    # Errors: not this role's page, and a page that does not exist.
    check_help_and_errors(page, report, forbidden="/therapist/", missing="/client/nothing-here/")
    assert_clean(report, "client")


@pytest.mark.xdist_group("browser:accessibility:client-dark")
def test_client_crisis_and_dark_pages_are_accessible(world, browser_contexts):
    report = Report("client")
    state = signed_in_as_client(world, browser_contexts)
    page = browser_contexts(viewport=VIEWPORTS["desk"], storage_state=state).new_page()
    # Question 9 answered above "not at all": the crisis page says so and links the result.
    page.goto(f"/client/questionnaires/{world['measure_due'].public_id}/")
    for group in page.locator("main fieldset").all():
        group.locator("input[type=radio]").nth(1).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("[data-result-link]")).to_be_visible()
    crisis = page.url
    for scheme in ("light", "dark"):
        page = browser_contexts(storage_state=state, color_scheme=scheme).new_page()
        page.goto(crisis)
        name = f"Help right now, question 9 ({scheme})"
        rules = COLOUR_RULES if scheme == "dark" else None
        shot = f"crisis-question-9-{scheme}"
        check_sizes(page, report, name, place=False, screenshot=shot, rules=rules)
    check_dark(
        browser_contexts,
        state,
        report,
        [
            "/client/",
            "/client/week/",
            "/client/account/",
            "/client/journal/",
            "/client/journal/?q=sam",
            f"/client/records/{world['shared'].public_id}/",
            "/client/progress/?range=1y",
        ],
    )
    assert_clean(report, "client")


THERAPIST_PAGE_PARTS = 2


@pytest.mark.parametrize("number", parts("therapist-pages", THERAPIST_PAGE_PARTS))
def test_therapist_pages_are_accessible(world, browser_contexts, number):
    report = Report("therapist")
    state = signed_in_as_therapist(world, browser_contexts)
    page = browser_contexts(storage_state=state).new_page()
    for name, url, shot in part(therapist_page_list(world), number, THERAPIST_PAGE_PARTS):
        page.goto(url)
        check_sizes(page, report, name, screenshot=shot)
    assert_clean(report, "therapist")


@pytest.mark.xdist_group("browser:accessibility:therapist-states")
def test_therapist_states_and_dark_pages_are_accessible(world, browser_contexts):
    report = Report("therapist")
    state = signed_in_as_therapist(world, browser_contexts)
    detail = f"/therapist/clients/{world['client'].public_id}/"
    page = browser_contexts(storage_state=state).new_page()
    # A message, and forms with errors.
    page.goto("/therapist/")
    page.get_by_role("button", name=re.compile("^Resend")).first.click()
    expect(page.get_by_role("status")).to_contain_text("will be e-mailed again")
    check_sizes(page, report, "Caseload with a message")
    page.fill("input[name=email]", "not an address")
    page.get_by_role("button", name="Send invitation").click()
    check_sizes(page, report, "Invite with errors")
    page.goto(f"{detail}assign/new/")
    page.fill("input[name=title]", "")
    page.get_by_role("radio", name="A number of times a week").check()
    page.get_by_role("button", name="Assign", exact=True).click()
    check_sizes(page, report, "Assign with errors", screenshot="assign-errors")
    page.goto(f"{detail}sessions/new/")
    page.get_by_role("radio", name="Every week").check()
    page.get_by_role("button", name="Save", exact=True).click()
    check_sizes(page, report, "Record a session with errors", screenshot="session-errors")
    page.goto("/therapist/alerts/")
    page.get_by_role("button", name="Acknowledge").first.click()
    check_sizes(page, report, "Acknowledge with errors", screenshot="alerts-errors")
    page.goto(f"{detail}records/{world['shared'].public_id}/")
    page.get_by_role("button", name="Send feedback").click()
    check_sizes(page, report, "Feedback with errors")
    page.goto("/accounts/password/change/")
    page.fill("input[name=oldpassword]", "not my password")
    page.locator("main form button[type=submit]").first.click()
    check_sizes(page, report, "Password with errors")
    missing = f"/therapist/clients/{world['quiet'].public_id}0/"
    check_help_and_errors(page, report, forbidden="/client/", missing=missing)
    check_dark(
        browser_contexts,
        state,
        report,
        ["/therapist/", detail, f"{detail}assign/new/", f"{detail}timeline/", "/therapist/alerts/"],
    )
    assert_clean(report, "therapist")


@pytest.mark.xdist_group("browser:accessibility:anonymous")
def test_sign_in_and_error_pages_are_accessible(world, browser_contexts, live_server):
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.template.loader import render_to_string

    report = Report("anonymous")
    client = world["client"]
    reset_key = f"{user_pk_to_url_str(client)}-{default_token_generator.make_token(client)}"
    invited = CareRelationship.objects.get(invited_email="new.person@example.org")
    join = f"/invitations/{account_services.invitation_token(invited)}/"
    tampered = f"/invitations/{account_services.invitation_token(invited)[:-2]}xx/"
    withdrawn = CareRelationship.objects.create(
        therapist=world["therapist"],
        invited_email="changed.mind@example.org",
        invitation_expires_at=timezone.now() + timedelta(days=7),
    )
    withdrawn_link = f"/invitations/{account_services.invitation_token(withdrawn)}/"
    account_services.invitation_revoke(actor=world["therapist"], relationship=withdrawn)
    server_error = render_to_string("500.html")
    unsubscribe = f"/unsubscribe/{unsubscribe_token(client, 'reminders')}/"

    page = browser_contexts().new_page()
    for name, url, place, shot in [
        ("Sign in", "/accounts/login/", True, "sign-in"),
        ("Password reset", "/accounts/password/reset/", True, None),
        ("Sign-up closed", "/accounts/signup/", False, None),
        ("Join", join, False, "join"),
        ("Invitation link not valid (400)", tampered, False, None),
        ("Invitation withdrawn (410)", withdrawn_link, False, "invitation-410"),
        ("404", "/nothing-here/", False, "404"),
        ("Goodbye", "/goodbye/", False, "goodbye"),
        ("Stop reminders?", unsubscribe, False, "unsubscribe"),
        ("Unsubscribe link not valid (400)", unsubscribe[:-3] + "xx/", False, None),
    ]:
        page.goto(url)
        check_sizes(page, report, name, place=place, screenshot=shot)
    page.goto(unsubscribe)
    page.get_by_role("button", name="Stop homework reminders").click()
    check_sizes(page, report, "Reminders stopped", place=False)
    page.goto(f"/accounts/password/reset/key/{reset_key}/")
    check_sizes(page, report, "New password from the e-mailed link")
    # Forms with errors.
    page.goto("/accounts/login/")
    page.fill("input[name=login]", client.email)
    page.fill("input[name=password]", "wrong password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    check_sizes(page, report, "Sign in with errors")
    page.goto("/accounts/password/reset/")
    page.fill("input[name=email]", "not an address")
    page.locator("main form button[type=submit]").first.click()
    check_sizes(page, report, "Password reset with errors")
    page.goto(join)
    page.fill("input[name=password1]", "short")
    page.get_by_role("button", name="Create my account").click()
    check_sizes(page, report, "Join with errors", place=False)
    # The second step of a therapist's sign-in, and a wrong code.
    page.goto("/accounts/login/")
    page.fill("input[name=login]", world["therapist"].email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    check_sizes(page, report, "Two-factor code")
    page.fill("input[name=code]", "000000")
    page.get_by_role("button", name="Sign in", exact=True).click()
    check_sizes(page, report, "Two-factor code with errors")
    # The 500 page, as Django renders it when a view fails.
    page.route(
        "**/server-error-preview/",
        # Served as 200: the fixture counts every 5xx response as a failure.
        lambda route: route.fulfill(status=200, body=server_error, content_type="text/html"),
    )
    page.goto(f"{live_server.url}/server-error-preview/")
    check_sizes(page, report, "500", place=False)
    assert_clean(report, "anonymous")
