"""Care plan pages: the plan, item forms, history, and "I'm triggered" from Today."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from careplans import services
from careplans.models import PlanItem, TriggerLog
from clients import services as record_services

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def trigger(personas, plan):
    return services.item_add(
        author=personas.therapist_a,
        plan=plan,
        section="triggers",
        text="Crowded trains",
        signs="Tight chest",
        steps=["Breathe out slowly", "Step off at the next stop"],
    )


def test_my_plan_leads_the_client_to_their_plan(personas, plan):
    response = signed_in(personas.client_a).get(reverse("client_plan"))
    assert response.status_code == 302
    assert response["Location"] == reverse("plan_detail", args=[plan.public_id])


def test_the_plan_page_shows_every_section_to_both_people(personas, plan, trigger):
    for user in (personas.client_a, personas.therapist_a):
        response = signed_in(user).get(reverse("plan_detail", args=[plan.public_id]))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Crowded trains" in body and "Step off at the next stop" in body
        for label in ("What I need", "Emotions to notice", "My circle", "Goals"):
            assert label in body


def test_strangers_get_404(personas, plan):
    for user in (personas.client_b, personas.therapist_b, personas.staff):
        assert signed_in(user).get(reverse("plan_detail", args=[plan.public_id])).status_code == 404


def test_the_therapists_reading_is_audited(personas, plan):
    signed_in(personas.therapist_a).get(reverse("plan_detail", args=[plan.public_id]))
    signed_in(personas.client_a).get(reverse("plan_detail", args=[plan.public_id]))
    events = AuditEvent.objects.filter(action=AuditAction.RECORDS_VIEWED)
    assert [(e.actor, e.detail) for e in events] == [(personas.therapist_a, {"what": "care plan"})]


def test_adding_an_item_through_the_form(personas, plan):
    url = reverse("plan_item_add", args=[plan.public_id, "triggers"])
    response = signed_in(personas.client_a).post(
        url, {"text": "Loud rooms", "steps": "Step out\nBreathe\n"}
    )
    assert response.status_code == 302
    assert PlanItem.objects.get().steps == ["Step out", "Breathe"]


@pytest.mark.parametrize(
    ("section", "data", "status", "message"),
    [
        ("unknown", {"text": "x"}, 404, ""),
        ("needs", {"text": ""}, 400, "Write a few words."),
        ("needs", {"text": "x" * 10_000}, 400, "at most 300 characters"),
    ],
)
def test_bad_items_are_answered_with_a_message(personas, plan, section, data, status, message):
    url = reverse("plan_item_add", args=[plan.public_id, section])
    response = signed_in(personas.client_a).post(url, data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert not PlanItem.objects.exists()


def test_a_person_from_another_clients_list_is_not_offered_nor_taken(personas, plan):
    theirs = record_services.person_create(client=personas.client_b, name="Bo", kind="friend")
    url = reverse("plan_item_add", args=[plan.public_id, "circle"])
    response = signed_in(personas.client_a).post(url, {"person": theirs.public_id})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not PlanItem.objects.exists()


def test_two_browsers_editing_the_same_item_one_saves_the_other_sees_both_texts(
    personas, plan, trigger
):
    url = reverse("plan_item_edit", args=[trigger.public_id])
    therapist, client = signed_in(personas.therapist_a), signed_in(personas.client_a)
    base = therapist.get(url).context["form"]["base_version"].value()
    assert client.get(url).context["form"]["base_version"].value() == base
    first = therapist.post(url, {"base_version": base, "text": "Packed trains", "steps": "A"})
    second = client.post(url, {"base_version": base, "text": "Busy platforms", "steps": "B"})
    assert first.status_code == 302
    assert second.status_code == 409
    body = second.content.decode()
    assert "Packed trains" in body and "Busy platforms" in body
    trigger.refresh_from_db()
    assert trigger.text == "Packed trains"
    # Nothing lost: the form keeps what the client wrote, ready to save deliberately.
    assert second.context["form"]["text"].value() == "Busy platforms"
    again = client.post(url, second.context["form"].data)
    assert again.status_code == 302
    trigger.refresh_from_db()
    assert trigger.text == "Busy platforms"
    assert plan.versions.count() == 3


def test_a_stale_move_is_refused_with_a_message(personas, plan, trigger):
    other = services.item_add(author=personas.client_a, plan=plan, section="triggers", text="Noise")
    browser = signed_in(personas.client_a)
    browser.post(
        reverse("plan_item_move", args=[other.public_id]),
        {"base_version": 2, "direction": "up"},
    )
    response = browser.post(
        reverse("plan_item_move", args=[other.public_id]),
        {"base_version": 2, "direction": "down"},
        follow=True,
    )
    assert "changed after you opened it" in response.content.decode()
    assert list(plan.items.values_list("text", flat=True)) == ["Noise", "Crowded trains"]


def test_history_shows_what_changed_since_the_agreed_version(personas, plan, trigger):
    services.version_agree(therapist=personas.therapist_a, version=plan.versions.get())
    services.item_add(author=personas.client_a, plan=plan, section="needs", text="Quiet mornings")
    response = signed_in(personas.client_a).get(reverse("plan_history", args=[plan.public_id]))
    body = response.content.decode()
    assert "added “Quiet mornings”" in body
    assert "Crowded trains" not in body.split("Versions")[0].split("From version")[-1]


def test_im_triggered_is_two_taps_from_today(personas, plan, trigger):
    browser = signed_in(personas.client_a)
    today = browser.get(reverse("client_home")).content.decode()
    assert reverse("client_triggered") in today
    pick = browser.get(reverse("client_triggered")).content.decode()
    steps_url = reverse("client_triggered_steps", args=[trigger.public_id])
    assert steps_url in pick
    steps = browser.get(steps_url).content.decode()
    assert "Breathe out slowly" in steps and "Step off at the next stop" in steps
    response = browser.post(steps_url, {"note": "Packed at 8", "shared": "on"})
    assert response.status_code == 302
    log = TriggerLog.objects.get()
    assert log.journal_entry.triggers == ["Crowded trains"] and log.journal_entry.shared
    today = browser.get(reverse("client_home")).content.decode()
    assert reverse("client_trigger_rate", args=[log.public_id]) in today
    browser.post(reverse("client_trigger_rate", args=[log.public_id]), {"helped": "yes"})
    log.refresh_from_db()
    assert log.helped == "yes"


def test_something_else_shows_calm_steps(personas, plan):
    response = signed_in(personas.client_a).get(reverse("client_triggered_other"))
    assert "Breathe out slowly" in response.content.decode()


def test_another_clients_trigger_is_404(personas, plan, trigger):
    url = reverse("client_triggered_steps", args=[trigger.public_id])
    assert signed_in(personas.client_b).get(url).status_code == 404


def test_the_plan_reads_calmly_with_one_way_into_editing(personas, plan, trigger):
    url = reverse("plan_detail", args=[plan.public_id])
    for user in (personas.client_a, personas.therapist_a):
        body = signed_in(user).get(url).content.decode()
        assert 'data-mode="reading"' in body
        assert f'href="{url}?edit=1">Edit the plan</a>' in body
        assert "data-actions" not in body and "Remove…" not in body and "Move " not in body
        assert reverse("plan_item_edit", args=[trigger.public_id]) not in body
        assert reverse("plan_item_add", args=[plan.public_id, "needs"]) not in body
        assert "Crowded trains" in body and "Step off at the next stop" in body


def test_the_editing_mode_shows_each_action_and_remove_is_no_louder_than_edit(
    personas, plan, trigger
):
    services.item_add(author=personas.therapist_a, plan=plan, section="triggers", text="Noise")
    url = reverse("plan_detail", args=[plan.public_id]) + "?edit=1"
    for user in (personas.client_a, personas.therapist_a):
        body = signed_in(user).get(url).content.decode()
        assert 'data-mode="editing"' in body and ">Done editing</a>" in body
        actions = body.split(f'data-item="{trigger.public_id}"')[1].split("</article>")[0]
        edit = reverse("plan_item_edit", args=[trigger.public_id])
        assert f'<a class="action" href="{edit}">Edit' in actions
        assert '<button type="submit" class="link action">Move down' in actions
        assert '<summary class="action">Remove…' in actions
        assert "danger" not in actions and "<strong" not in actions.split("data-actions")[1]
        assert reverse("plan_item_add", args=[plan.public_id, "needs"]) in body


def test_a_change_returns_to_the_editing_mode(personas, plan, trigger):
    response = signed_in(personas.client_a).post(
        reverse("plan_item_remove", args=[trigger.public_id]), {"base_version": 1}
    )
    plan.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("plan_detail", args=[plan.public_id]) + "?edit=1#"
    )
    assert not plan.items.exists()


def test_the_history_says_by_you_for_your_own_changes(personas, plan, trigger):
    services.item_add(author=personas.client_a, plan=plan, section="needs", text="Quiet mornings")
    url = reverse("plan_history", args=[plan.public_id])
    mine = signed_in(personas.client_a).get(url).content.decode()
    assert "What I need: added · by you ·" in mine
    assert "Triggers: added · by the therapist ·" in mine
    versions = mine.split('id="versions-heading"')[1]
    assert "by the client" not in versions and personas.client_a.name not in versions
    theirs = signed_in(personas.therapist_a).get(url).content.decode()
    assert "What I need: added · by the client ·" in theirs
    assert "Triggers: added · by you ·" in theirs


def test_after_agreeing_the_history_compares_it_with_the_agreed_version_before(
    personas, plan, trigger
):
    browser = signed_in(personas.therapist_a)
    url = reverse("plan_history", args=[plan.public_id])
    browser.post(reverse("plan_version_agree", args=[plan.public_id, 1]))
    body = browser.get(url).content.decode()
    # The first agreement: everything since the empty plan.
    assert "From version 0 to 1" in body and "added “Crowded trains”" in body
    services.item_add(author=personas.client_a, plan=plan, section="needs", text="Quiet mornings")
    browser.post(reverse("plan_version_agree", args=[plan.public_id, 2]))
    body = browser.get(url).content.decode()
    changes = body.split('id="changes-heading">')[1].split("Versions")[0]
    assert "From version 1 to 2" in changes and "added “Quiet mornings”" in changes
    assert "Crowded trains" not in changes
    assert '<option value="1" selected>1 — agreed</option>' in body


def _count(browser, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200
    return len(queries)


def _fill(personas, plan, n: int) -> None:
    PlanItem.objects.filter(plan=plan).delete()
    sections = ["needs", "emotions", "triggers", "empowers", "goals"]
    for i in range(n):
        section = sections[i % len(sections)]
        services.item_add(
            author=personas.client_a,
            plan=plan,
            section=section,
            text=f"Item {i}",
            steps=["One", "Two"],
        )


# The plan page, to read or to edit (the same reads: only the buttons differ): session and
# user (the session is saved at most once a minute), the plan with its people, the items,
# the last agreed and the latest version, the tagged entries and the trigger logs, the goals'
# homework links: 9. The therapist adds the MFA check, the audit row and the open safety
# alerts counted for the banner.
# "I'm triggered": session and user, whether there is a therapist, the triggers: 4. Its
# steps screen: session and user, the trigger with its plan, the therapists who would see a
# shared note: 4.
@pytest.mark.parametrize(
    ("who", "page", "queries"),
    [
        ("client_a", "plan_detail", 9),
        ("therapist_a", "plan_detail", 12),
        ("client_a", "plan_detail_editing", 9),
        ("therapist_a", "plan_detail_editing", 12),
        ("client_a", "client_triggered", 4),
        ("client_a", "client_triggered_steps", 4),
    ],
)
def test_pages_run_a_fixed_number_of_queries_for_5_and_60_items(personas, plan, who, page, queries):
    counts = []
    for n in (5, 60):
        _fill(personas, plan, n)
        browser = signed_in(getattr(personas, who))
        if page == "plan_detail":
            url = reverse(page, args=[plan.public_id])
        elif page == "plan_detail_editing":
            url = reverse("plan_detail", args=[plan.public_id]) + "?edit=1"
        elif page == "client_triggered_steps":
            trigger = plan.items.filter(section="triggers").last()
            url = reverse(page, args=[trigger.public_id])
        else:
            url = reverse(page)
        counts.append(_count(browser, url))
    assert counts == [queries, queries]


def test_the_therapist_edits_a_circle_note_and_the_person_stays(personas, plan):
    sam = record_services.person_create(client=personas.client_a, name="Sam", kind="friend")
    item = services.item_add(author=personas.client_a, plan=plan, section="circle", person=sam)
    url = reverse("plan_item_edit", args=[item.public_id])
    browser = signed_in(personas.therapist_a)
    assert "person" not in browser.get(url).context["form"].fields  # the list is the client's
    response = browser.post(url, {"base_version": 1, "text": "Sam, who calls on Sundays"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.person, item.text) == (sam, "Sam, who calls on Sundays")


def test_editing_an_item_removed_meanwhile_keeps_the_text_to_add_back(personas, plan, trigger):
    services.item_remove(author=personas.therapist_a, item=trigger, base_version=1)
    url = reverse("plan_item_edit", args=[trigger.public_id])
    browser = signed_in(personas.client_a)
    response = browser.post(url, {"base_version": 1, "text": "Busy platforms", "steps": "Wait"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone removed this meanwhile" in body and "Busy platforms" in body
    add = reverse("plan_item_add", args=[plan.public_id, "triggers"])
    assert f'action="{add}"' in body
    assert browser.post(add, response.context["form"].data).status_code == 302
    assert PlanItem.objects.get().text == "Busy platforms"
    assert signed_in(personas.client_b).post(url, {"text": "x"}).status_code == 404


def test_without_a_therapist_something_else_still_shows_the_calm_steps(db):
    from tests.factories import ClientFactory

    browser = signed_in(ClientFactory())
    assert (
        reverse("client_triggered_other")
        in browser.get(reverse("client_triggered")).content.decode()
    )
    response = browser.get(reverse("client_triggered_other"))
    assert response.status_code == 200
    assert "Breathe out slowly" in response.content.decode()
    assert "Save note" not in response.content.decode()
    assert browser.post(reverse("client_triggered_other")).status_code == 404


def test_the_journal_form_offers_the_plans_triggers_and_emotions(personas, plan, trigger):
    services.item_add(
        author=personas.client_a, plan=plan, section="emotions", text="Anxiety", signs="", helps=""
    )
    page = signed_in(personas.client_a).get(reverse("client_journal_new")).content.decode()
    emotions = page.split('id="emotion-suggestions"')[1].split("</datalist>")[0]
    assert 'name="trigger_picks" value="Crowded trains"' in page  # a box to tick
    assert 'value="Anxiety"' in emotions
    assert 'list="emotion-suggestions"' in page


def test_the_journal_form_offers_nothing_from_another_clients_plan(personas, plan, trigger):
    page = signed_in(personas.client_b).get(reverse("client_journal_new")).content.decode()
    assert "Crowded trains" not in page


def test_before_sharing_a_trigger_note_the_client_reads_who_will_see_it(personas, plan, trigger):
    from tests.conftest import make_active_relationship

    make_active_relationship(personas.therapist_b, personas.client_a)
    url = reverse("client_triggered_steps", args=[trigger.public_id])
    form = signed_in(personas.client_a).get(url).context["form"]

    shared = form.fields["shared"]
    assert shared.label == "Share this entry with Dr. Ann Able and Dr. Ben Baker"
    assert shared.help_text == (
        "A shared entry is seen by every therapist you work with: Dr. Ann Able and "
        "Dr. Ben Baker. It is tagged “Crowded trains”, from your plan with Dr. Ann Able."
    )
    page = signed_in(personas.client_a).get(url).content.decode()
    assert "from your plan with Dr. Ann Able" in page


def test_with_one_therapist_the_share_box_names_them(personas, plan, trigger):
    url = reverse("client_triggered_steps", args=[trigger.public_id])
    form = signed_in(personas.client_a).get(url).context["form"]
    assert form.fields["shared"].label == "Share this entry with Dr. Ann Able"
    assert form.fields["shared"].help_text == ""


def test_the_trigger_notes_share_box_looks_like_every_other_share_box(personas, plan, trigger):
    url = reverse("client_triggered_steps", args=[trigger.public_id])
    page = signed_in(personas.client_a).get(url).content.decode()
    share = page.split('<div class="field share-field">')[1].split("</div>")[0]
    assert '<label for="id_shared" class="check"><input type="checkbox" name="shared"' in share
    assert "Share this entry with Dr. Ann Able" in share
