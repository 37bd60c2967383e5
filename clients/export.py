"""Everything Tandem holds about a client, from ONE registry of the models that hold it.

The export (GDPR Art. 15/20) and the erasure (Art. 17) both walk `REGISTRY`; a test walks
every installed model and fails when one that points at a user is in neither `REGISTRY`
nor `NOT_EXPORTED` (with the reason).
"""

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent, CareRelationship, User
from appointments.models import Appointment, BringItem, Series
from homework.models import Assignment, CalendarFeed, Completion
from safety.models import SafetyAlert

from .models import (
    LIFESTYLE_LOG_FIELDS,
    Feedback,
    JournalEntry,
    LifestyleLog,
    Person,
    SharingPreference,
    SocialActivity,
)


@dataclass(frozen=True)
class ExportSpec:
    name: str  # the file name and JSON key
    model: type[Model]
    path: str  # the lookup from the model to the client
    fields: tuple[str, ...]
    erase: bool = True  # deleted by erasure (else handled there by hand, e.g. pseudonymised)
    # Words for a row's codes on the readable page (say a band's name for its key), for
    # codes that are not a field's choices; the JSON and CSV keep the codes.
    words: Callable[[dict], dict[str, str]] | None = None

    def queryset(self, client: User) -> QuerySet:
        return self.model.objects.filter(**{self.path: client.pk})

    def rows(self, client: User) -> list[dict]:
        return list(self.queryset(client).order_by("pk").values(*self.fields))


REGISTRY: list[ExportSpec] = [
    ExportSpec(
        "account", User, "pk", ("email", "name", "timezone", "date_joined", "role"), erase=False
    ),
    ExportSpec(
        "care_relationships",
        CareRelationship,
        "client",
        ("public_id", "therapist__name", "status", "activated_at", "ended_at"),
        erase=False,  # kept, ended and without the client ("client left")
    ),
    ExportSpec(
        "sharing_defaults",
        SharingPreference,
        "relationship__client",
        ("relationship__public_id", "share_by_default", "updated_at"),
    ),
    ExportSpec("people", Person, "client", ("public_id", "name", "kind", "support", "created_at")),
    ExportSpec(
        "assignments",
        Assignment,
        "client",
        (
            "public_id",
            "therapist__name",
            "kind",
            "title",
            "instructions",
            "target_value",
            "target_unit",
            "frequency",
            "start_date",
            "end_date",
            "due_date",
            "status",
        ),
    ),
    ExportSpec(
        "completions",
        Completion,
        "client",
        ("public_id", "assignment__public_id", "due_date", "source", "note", "completed_at"),
    ),
    ExportSpec(
        "journal",
        JournalEntry,
        "client",
        (
            "public_id",
            "occurred_at",
            "recalled",
            "text",
            "mood",
            "emotions",
            "triggers",
            "needed",
            "needs_help",
            "homework_choices",
            "shared",
            "first_viewed_at",
            "created_at",
            "updated_at",
        ),
    ),
    ExportSpec(
        "lifestyle",
        LifestyleLog,
        "client",
        (
            "public_id",
            "day",
            *LIFESTYLE_LOG_FIELDS,
            "homework_choices",
            "shared",
            "first_viewed_at",
            "created_at",
            "updated_at",
        ),
    ),
    ExportSpec(
        "social",
        SocialActivity,
        "client",
        (
            "public_id",
            "day",
            "person__public_id",
            "person__name",
            "mode",
            "minutes",
            "feeling",
            "support",
            "note",
            "homework_choices",
            "shared",
            "first_viewed_at",
            "created_at",
            "updated_at",
        ),
    ),
    # Sessions with the therapist, and what the client put aside to bring to them.
    ExportSpec(
        "session_series",
        Series,
        "client",
        ("public_id", "every_weeks", "first_day", "until", "count", "start_time", "zone"),
    ),
    ExportSpec(
        "sessions",
        Appointment,
        "client",
        (
            "public_id",
            "series__public_id",
            "day",
            "start_time",
            "zone",
            "starts_at",
            "minutes",
            "mode",
            "location",
            "status",
            "recap",
            "recap_at",
        ),
    ),
    ExportSpec(
        "to_bring",
        BringItem,
        "client",
        ("public_id", "appointment__public_id", "position", "text", "source", "created_at"),
    ),
    # Which record completed which homework (a completion some records share).
    ExportSpec(
        "journal_homework",
        JournalEntry.completions.through,
        "journalentry__client",
        ("journalentry__public_id", "completion__public_id"),
    ),
    ExportSpec(
        "lifestyle_homework",
        LifestyleLog.completions.through,
        "lifestylelog__client",
        ("lifestylelog__public_id", "completion__public_id"),
    ),
    ExportSpec(
        "social_homework",
        SocialActivity.completions.through,
        "socialactivity__client",
        ("socialactivity__public_id", "completion__public_id"),
    ),
    ExportSpec(
        "feedback",
        Feedback,
        "client",
        (
            "public_id",
            "author__name",
            "journal_entry__public_id",
            "lifestyle_log__public_id",
            "social_activity__public_id",
            "text",
            "created_at",
        ),
    ),
    ExportSpec("calendar_feed", CalendarFeed, "client", ("created_at", "show_titles")),
    # When the client asked for help and how each therapist answered. Erased with the
    # account: the relationship stays as "client left", with no alert left to act on.
    ExportSpec(
        "safety_alerts",
        SafetyAlert,
        "relationship__client",
        (
            "public_id",
            "relationship__public_id",
            "source",
            "reference",
            "raised_at",
            "acknowledged_at",
            "acknowledged_by__name",
            "note",
        ),
    ),
    ExportSpec(
        "access_log",
        AuditEvent,
        "subject",
        ("created_at", "action", "actor_label", "actor__name", "detail"),
        erase=False,  # kept, pseudonymised
    ),
]


def register(spec: ExportSpec) -> None:
    """For apps above this one (they may import it; it imports none of them): add a model
    they own to the export and the erasure, from their AppConfig.ready()."""
    if all(existing.name != spec.name for existing in REGISTRY):
        REGISTRY.append(spec)


# Models that point at a user but hold nothing of a client's to export, and why.
NOT_EXPORTED: dict[str, str] = {
    "homework.HomeworkTemplate": "owned by therapists only; a client's copy is the assignment",
    "admin.LogEntry": "changes made by staff in the admin, who are never clients",
    "authtoken.Token": "a credential: exporting it would leak a live secret",
    "mfa.Authenticator": "TOTP secrets and recovery codes are credentials",
    "account.EmailAddress": "the address is in the account section",
    "clients.RecordView": "a therapist's to-do list; the records' first views and the audit "
    "log's reads by each therapist are in the export",
    "appointments.TherapistFeed": "a therapist's calendar link, a credential; the client's "
    "sessions are in the export",
    "clients.IdempotencyKey": "a guard against sending one entry twice, kept 7 days: which "
    "request made which record, not what it says; the records are in the export",
}

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A cell a spreadsheet shows as text: formulas are defused with a leading quote."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def export_data(client: User) -> dict[str, list[dict]]:
    return {spec.name: spec.rows(client) for spec in REGISTRY}


def export_zip(client: User) -> bytes:
    """One JSON file with everything, one CSV per kind and one page to read, in a zip."""
    data = export_data(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        document = {"exported_at": timezone.now(), **data}
        archive.writestr(
            "tandem.json", json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        )
        for spec in REGISTRY:
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(spec.fields)
            for row in data[spec.name]:
                writer.writerow([csv_cell(row[field]) for field in spec.fields])
            archive.writestr(f"{spec.name}.csv", out.getvalue())
        archive.writestr(READABLE_NAME, readable_html(client, data))
    return buffer.getvalue()


# --- The page to read (and print) ------------------------------------------------------

READABLE_NAME = "tandem-export.html"

# What a viewer looked at (accounts.services.records_viewed's `what`), in the client's words.
VIEWED = {
    "timeline": "your shared entries",
    "record": "one of your shared entries",
    "journal": "your shared journal entries",
    "lifestyle": "your shared lifestyle logs",
    "social": "your shared social activities",
    "feedback": "a conversation on one of your shared entries",
    "homework": "your homework",
    "summary": "a summary of your homework and of what you share",
    "care plan": "your care plan",
    "trigger log": 'your "I\'m triggered" notes',
    "measures": "your questionnaire results",
    "progress": "your progress",
}
# Access-log actions as sentences; {who} is "You" or the person who acted.
SENTENCES = {
    AuditAction.LOGIN_SUCCEEDED: "{who} signed in",
    AuditAction.LOGIN_FAILED: "A sign-in to your account did not succeed",
    AuditAction.LOGIN_BLOCKED: "Sign-in to your account was paused after several failed tries",
    AuditAction.LOGOUT: "{who} signed out",
    AuditAction.INVITATION_SENT: "{who} invited you to Tandem",
    AuditAction.INVITATION_REVOKED: "{who} withdrew an invitation",
    AuditAction.RELATIONSHIP_ACTIVATED: "A care relationship started ({who})",
    AuditAction.RELATIONSHIP_ENDED: "A care relationship ended ({who})",
    AuditAction.FEEDBACK: "{who} wrote on one of your shared entries",
    AuditAction.EXPORT: "{who} downloaded your data",
    AuditAction.ERASURE: "{who} erased the account",
    AuditAction.SAFETY_ALERT_RAISED: "A safety alert was raised for your therapist",
    AuditAction.SAFETY_ALERT_EMAILED: "Your therapist was e-mailed about a safety alert",
    AuditAction.SAFETY_ALERT_ACKNOWLEDGED: "{who} acknowledged a safety alert",
}
RECORD_SECTIONS = ("journal", "lifestyle", "social")


def _when(value, zone) -> str:
    """'3 Dec 2026 at 14:05' in the client's zone; a date stays a date."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value, zone).strftime("%-d %b %Y at %H:%M")
    return value.strftime("%-d %b %Y") if hasattr(value, "strftime") else str(value)


def _words(spec: ExportSpec, row: dict) -> dict:
    """The row with choices, dates and lists in words, and the spec's own words on top."""
    readable = dict(row)
    for name, value in row.items():
        field = _field(spec.model, name)
        if field is not None and field.choices and value not in (None, ""):
            readable[name] = dict(field.flatchoices).get(value, value)
        elif isinstance(value, bool):
            readable[name] = "Yes" if value else "No"
    if spec.words is not None:
        readable.update(spec.words(row))
    return readable


def _field(model: type[Model], path: str):
    """The model field a `values()` path such as `person__name` ends at, or None."""
    *hops, last = path.split("__")
    try:
        for hop in hops:
            model = model._meta.get_field(hop).related_model
        return model._meta.get_field(last)
    except (FieldDoesNotExist, AttributeError):  # a path the page needs no words for
        return None


def _access_sentence(row: dict, client: User) -> str:
    mine = row["actor_label"] in (client.email, "") and not row.get("actor__name")
    who = "You" if mine else (row.get("actor__name") or row["actor_label"] or "Someone")
    if row["action"] == AuditAction.RECORDS_VIEWED:
        what = (row.get("detail") or {}).get("what", "")
        return f"{who} viewed {VIEWED.get(what, 'your shared records')}"
    sentence = SENTENCES.get(row["action"])
    if sentence is None:
        return f"{AuditAction(row['action']).label} ({who})"
    return sentence.format(who=who)


def _plans(data: dict, items: list[dict], spec: ExportSpec | None) -> list[dict]:
    """Each care plan's current items, section by section in the plan's own order."""
    if spec is None:
        return []
    order = [code for code, _ in _field(spec.model, "section").choices]
    therapists = {r["public_id"]: r["therapist__name"] for r in data["care_relationships"]}
    raw = {row["public_id"]: row for row in data.get("care_plan_items", [])}
    plans = []
    for plan in data.get("care_plans", []):
        mine = [i for i in items if i["plan__public_id"] == plan["public_id"]]
        mine.sort(key=lambda i: (order.index(raw[i["public_id"]]["section"]), i["position"]))
        sections: dict[str, list[dict]] = {}
        for item in mine:
            sections.setdefault(item["section"], []).append(item)
        plans.append(
            {
                "therapist": therapists.get(plan["relationship__public_id"]) or "your therapist",
                "version": plan["version"],
                "sections": sections,
            }
        )
    return plans


def readable_context(client: User, data: dict[str, list[dict]]) -> dict:
    """What the page shows, from the same rows as the JSON: times in the client's zone."""
    zone = client.zone
    specs = {spec.name: spec for spec in REGISTRY}

    def rows(name: str, *, newest: str = "") -> list[dict]:
        """The section's rows in words; with `newest`, sorted by that field, newest first."""
        if name not in specs:
            return []
        spec = specs[name]
        found = data.get(name, [])
        if newest:
            found = sorted(found, key=lambda row: str(row[newest] or ""), reverse=True)
        out = []
        for row in found:
            readable = _words(spec, row)
            for key, value in row.items():
                if hasattr(value, "strftime"):  # a date or a moment
                    readable[key] = _when(value, zone)
            out.append(readable)
        return out

    plans = _plans(data, rows("care_plan_items"), specs.get("care_plan_items"))
    access = [
        {"when": _when(row["created_at"], zone), "sentence": _access_sentence(row, client)}
        for row in sorted(data.get("access_log", []), key=lambda r: r["created_at"], reverse=True)
    ]
    return {
        "client": client,
        "zone": str(zone),
        "exported_at": _when(timezone.now(), zone),
        "journal": rows("journal", newest="occurred_at"),
        "lifestyle": rows("lifestyle", newest="day"),
        "social": rows("social", newest="day"),
        "responses": rows("measure_responses", newest="submitted_at"),
        "plans": plans,
        "alerts": rows("safety_alerts", newest="raised_at"),
        "access": access,
    }


def readable_html(client: User, data: dict[str, list[dict]]) -> str:
    """One self-contained page (no scripts, nothing fetched) that prints to PDF."""
    return render_to_string("clients/export.html", readable_context(client, data))
