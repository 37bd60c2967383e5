"""Measures in the client's export and erasure (clients.export.REGISTRY).

Registered from `MeasuresConfig.ready`, so `clients` never imports `measures`. Erasure walks
the registry backwards: the answers go before the assignments they belong to."""

from clients.export import ExportSpec
from clients.export import register as register_spec

from .instruments import INSTRUMENTS
from .models import MeasureAssignment, MeasureResponse


def response_words(row: dict) -> dict[str, str]:
    """The band's name as the client sees it in the portal, for the readable page."""
    return {"band": INSTRUMENTS[row["instrument"]].band(row["band"]).client_label}


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
            "before_sessions",
            "days_before",
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
            "appointment__public_id",
            "instrument",
            "period",
            "answers",
            "raw_total",
            "score",
            "band",
            "submitted_at",
        ),
        words=response_words,
    ),
]


def register() -> None:
    for spec in SPECS:
        register_spec(spec)
