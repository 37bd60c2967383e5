"""Everything Tandem holds about a client, from ONE registry of the models that hold it.

The export (GDPR Art. 15/20) and the erasure (Art. 17) both walk `REGISTRY`; a test walks
every installed model and fails when one that points at a user is in neither `REGISTRY`
nor `NOT_EXPORTED` (with the reason).
"""

import csv
import io
import json
import zipfile
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.utils import timezone

from accounts.models import AuditEvent, CareRelationship, User
from homework.models import Assignment, CalendarFeed, Completion
from safety.models import SafetyAlert

from .models import Feedback, JournalEntry, LifestyleLog, Person, SharingPreference, SocialActivity


@dataclass(frozen=True)
class ExportSpec:
    name: str  # the file name and JSON key
    model: type[Model]
    path: str  # the lookup from the model to the client
    fields: tuple[str, ...]
    erase: bool = True  # deleted by erasure (else handled there by hand, e.g. pseudonymised)

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
            "completion__public_id",
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
            "sleep_hours",
            "sleep_quality",
            "exercise_minutes",
            "exercise_kind",
            "meals",
            "outdoor_minutes",
            "alcohol_units",
            "note",
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
            "shared",
            "first_viewed_at",
            "created_at",
            "updated_at",
        ),
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
        ("created_at", "action", "actor_label"),
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
    """One JSON file with everything and one CSV per kind, in a zip."""
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
    return buffer.getvalue()
