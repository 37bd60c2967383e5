"""Staff administer accounts but never read clinical content: the admin shows that records
exist (ids, dates, kind, shared or not) and nothing of what they say, anywhere."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from careplans.models import PlanVersion
from careplans.services import plan_for_relationship
from clients import services
from homework.models import Completion
from measures import services as measure_services
from safety.models import SafetyAlert
from tests.clients.conftest import assign_from_library
from tests.factories import PlanItemFactory, TriggerLogFactory

pytestmark = pytest.mark.django_db

MARKER = "Quillwort7781"

# Every field that holds what a client wrote, felt or answered (or their therapist wrote
# about them). Registered or not: registering one of these models later is checked too.
CLINICAL_FIELDS = {
    "clients.JournalEntry": {"text", "mood", "emotions", "triggers", "needed", "needs_help"},
    "clients.LifestyleLog": {
        "sleep_hours",
        "sleep_quality",
        "exercise_minutes",
        "exercise_kind",
        "meals",
        "outdoor_minutes",
        "alcohol_units",
        "note",
        "completions",
    },
    "clients.SocialActivity": {
        "person",
        "mode",
        "minutes",
        "feeling",
        "support",
        "note",
        "completions",
    },
    "clients.Person": {"name", "support"},
    "clients.Feedback": {"text", "journal_entry", "lifestyle_log", "social_activity"},
    "careplans.PlanItem": {"text", "signs", "helps", "steps", "measure", "person"},
    "careplans.PlanVersion": {"snapshot"},
    "careplans.TriggerLog": {"trigger", "steps", "helped", "item", "journal_entry"},
    "measures.MeasureResponse": {"answers", "raw_total", "score", "band"},
    "safety.SafetyAlert": {"note"},
    "homework.Completion": {"note"},
}
# Apps whose every model holds someone's health: each registered model must be listed above.
CLINICAL_APPS = {"clients", "careplans", "measures", "safety"}
NOT_CLINICAL = {"clients.SharingPreference", "careplans.CarePlan", "measures.MeasureAssignment"}


def registered_clinical_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.label in CLINICAL_FIELDS
    ]


def exposed_fields(model_admin, request, obj=None) -> set[str]:
    """Every field name the admin can show, search, filter or sort on."""
    names = set()
    for value in (
        model_admin.get_list_display(request),
        model_admin.get_fields(request, obj),
        model_admin.get_readonly_fields(request, obj),
        model_admin.get_search_fields(request),
        model_admin.get_list_filter(request),
        model_admin.get_sortable_by(request),
        [model_admin.date_hierarchy or ""],
    ):
        for entry in value:
            name = entry[0] if isinstance(entry, tuple | list) else entry
            if isinstance(name, str):
                names.add(name.lstrip("^=@").split("__")[0])
    return names


@pytest.fixture
def staff_request(personas):
    request = RequestFactory().get("/")
    request.user = personas.staff
    return request


@pytest.fixture
def everything_marked(personas):
    """Client A with a record of every kind, each clinical text carrying the marker."""
    client_a = personas.client_a
    homework = assign_from_library(personas, "daily-mood-journal")
    person = services.person_create(client=client_a, name=MARKER, kind="friend")
    entry = services.journal_create(
        client=client_a,
        text=MARKER,
        needed=MARKER,
        emotions=[MARKER],
        triggers=[MARKER],
        shared=True,
        assignment=homework,
        needs_help=True,
    )
    services.lifestyle_create(
        client=client_a, exercise_kind=MARKER, note=MARKER, sleep_hours=7, shared=True
    )
    services.social_create(client=client_a, person=person, mode="call", note=MARKER, shared=True)
    services.feedback_create(author=personas.therapist_a, record=entry, text=MARKER)
    Completion.objects.filter(client=client_a).update(note=MARKER)
    plan = plan_for_relationship(personas.relationship_a)
    item = PlanItemFactory(plan=plan, text=MARKER, signs=MARKER, steps=[MARKER])
    PlanVersion.objects.create(
        plan=plan, number=1, change="add", section="triggers", snapshot=[{"text": MARKER}]
    )
    TriggerLogFactory(plan=plan, item=item, trigger=MARKER, steps=[MARKER], helped="yes")
    phq9 = measure_services.measure_assign(
        therapist=personas.therapist_a, relationship=personas.relationship_a, instrument="phq9"
    )
    measure_services.response_submit(client=client_a, assignment=phq9, answers=[3] * 8 + [0])
    SafetyAlert.objects.filter(relationship=personas.relationship_a).update(
        note=MARKER, acknowledged_at=entry.created_at
    )
    return client_a


def test_every_registered_model_of_the_clinical_apps_is_classified():
    registered = {model._meta.label for model in admin.site._registry}
    clinical_app_models = {label for label in registered if label.split(".")[0] in CLINICAL_APPS}
    unknown = clinical_app_models - set(CLINICAL_FIELDS) - NOT_CLINICAL
    assert not unknown, f"classify in CLINICAL_FIELDS or NOT_CLINICAL: {sorted(unknown)}"
    for label, fields in CLINICAL_FIELDS.items():
        assert fields <= {f.name for f in apps.get_model(label)._meta.get_fields()}, label


def test_no_admin_shows_searches_or_filters_a_clinical_field(staff_request, everything_marked):
    checked = registered_clinical_admins()
    assert len(checked) >= 8  # journal, lifestyle, social, people, feedback, versions, ...
    for model, model_admin in checked:
        obj = model.objects.first()
        assert obj is not None, model
        leaked = (
            exposed_fields(model_admin, staff_request, obj) & CLINICAL_FIELDS[model._meta.label]
        )
        assert not leaked, f"{model._meta.label} shows {sorted(leaked)}"


def test_the_admin_pages_never_show_clinical_text(client, personas, everything_marked):
    client.force_login(personas.staff)
    pages = 0
    for model in admin.site._registry:
        opts = model._meta
        changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, opts.label
        assert MARKER not in changelist.content.decode(), f"{opts.label} list"
        pages += 1
        for obj in model._default_manager.all()[:5]:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            change = client.get(url)
            if change.status_code == 302:  # a library template only: the list hides the rest
                continue
            assert change.status_code == 200, opts.label
            body = change.content.decode()
            assert MARKER not in body, f"{opts.label} change page"
            history = client.get(url.removesuffix("change/") + "history/")
            assert history.status_code == 200, opts.label
            assert MARKER not in history.content.decode(), f"{opts.label} history"
            pages += 1
    assert pages > 20


def test_the_admin_shows_that_records_exist(client, personas, everything_marked):
    client.force_login(personas.staff)
    entry = services.JournalEntry.objects.get(client=everything_marked)
    body = client.get(reverse("admin:clients_journalentry_changelist")).content.decode()
    assert str(entry.public_id) in body
    change = client.get(reverse("admin:clients_journalentry_change", args=[entry.pk]))
    assert str(entry.public_id) in change.content.decode()
    assert "Shared" in change.content.decode()


def test_no_score_or_band_of_a_measure_is_shown(client, personas, everything_marked):
    client.force_login(personas.staff)
    response = measure_services.MeasureResponse.objects.get()
    for url in (
        reverse("admin:measures_measureresponse_changelist"),
        reverse("admin:measures_measureresponse_change", args=[response.pk]),
    ):
        body = client.get(url).content.decode()
        assert response.band_info.label not in body
        assert "score" not in body.lower()


@pytest.mark.parametrize(
    ("model_name", "lookup"),
    [
        ("clients_journalentry", "text__startswith"),
        ("clients_journalentry", "mood__gte"),
        ("clients_person", "name__icontains"),
        ("careplans_triggerlog", "trigger__startswith"),
        ("measures_measureresponse", "score__gte"),
    ],
)
def test_the_list_cannot_be_filtered_by_clinical_text(
    client, personas, everything_marked, model_name, lookup
):
    """Filtering by text in the URL would let staff guess it one letter at a time."""
    client.force_login(personas.staff)
    url = reverse(f"admin:{model_name}_changelist")
    response = client.get(url, {lookup: MARKER[:3] if "gte" not in lookup else "0"})
    assert response.status_code == 400


def test_the_list_still_filters_by_metadata(client, personas, everything_marked):
    client.force_login(personas.staff)
    url = reverse("admin:clients_journalentry_changelist")
    assert client.get(url, {"shared__exact": "1"}).status_code == 200


def test_staff_cannot_delete_an_account_where_the_confirmation_lists_its_records(
    client, personas, everything_marked
):
    client.force_login(personas.staff)
    url = reverse("admin:accounts_user_delete", args=[everything_marked.pk])
    response = client.get(url)
    assert response.status_code == 403
    assert MARKER not in response.content.decode()
    action = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [everything_marked.pk]},
    )
    assert MARKER not in action.content.decode()
    assert type(everything_marked).objects.filter(pk=everything_marked.pk).exists()
