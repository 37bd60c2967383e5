"""The care plan's rows in the client's export and erasure (clients.export.REGISTRY).

Registered from `CareplansConfig.ready`, so `clients` never imports `careplans`. Erasure
walks the registry backwards: these come last here, so they go first."""

from clients.export import REGISTRY, ExportSpec

from .models import CarePlan, HomeworkLink, PlanItem, PlanVersion, TriggerLog

SPECS = [
    ExportSpec(
        "care_plans",
        CarePlan,
        "client",
        ("public_id", "relationship__public_id", "version", "created_at"),
    ),
    ExportSpec(
        "care_plan_items",
        PlanItem,
        "plan__client",
        (
            "public_id",
            "plan__public_id",
            "section",
            "position",
            "text",
            "signs",
            "helps",
            "steps",
            "measure",
            "review_date",
            "person__public_id",
        ),
    ),
    ExportSpec(
        "care_plan_versions",
        PlanVersion,
        "plan__client",
        (
            "plan__public_id",
            "number",
            "author_label",
            "created_at",
            "change",
            "section",
            "item_public_id",
            "snapshot",
            "agreed_at",
        ),
    ),
    ExportSpec(
        "care_plan_homework",
        HomeworkLink,
        "item__plan__client",
        ("item__public_id", "assignment__public_id", "step", "created_at"),
    ),
    ExportSpec(
        "trigger_log",
        TriggerLog,
        "client",
        (
            "public_id",
            "plan__public_id",
            "item__public_id",
            "trigger",
            "steps",
            "journal_entry__public_id",
            "helped",
            "rated_at",
            "created_at",
        ),
    ),
]


def register() -> None:
    names = {spec.name for spec in REGISTRY}
    REGISTRY.extend(spec for spec in SPECS if spec.name not in names)
