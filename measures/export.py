"""Measures in the client's export and erasure (clients.export.REGISTRY).

Registered from `MeasuresConfig.ready`, so `clients` never imports `measures`. Erasure walks
the registry backwards: the answers go before the assignments they belong to."""

from clients.export import ExportSpec
from clients.export import register as register_spec

from .models import MeasureAssignment, MeasureResponse

SPECS = [
    ExportSpec(
        "measure_assignments",
        MeasureAssignment,
        "client",
        (
            "public_id",
            "relationship__public_id",
            "instrument",
            "every_weeks",
            "start_date",
            "status",
            "created_at",
            "ended_at",
        ),
    ),
    ExportSpec(
        "measure_responses",
        MeasureResponse,
        "client",
        (
            "public_id",
            "assignment__public_id",
            "instrument",
            "period",
            "answers",
            "raw_total",
            "score",
            "band",
            "submitted_at",
        ),
    ),
]


def register() -> None:
    for spec in SPECS:
        register_spec(spec)
