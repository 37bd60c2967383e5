"""The therapist's safety alerts: open ones first, then those acknowledged lately, and the
acknowledgement with a note. Each card says what happened (the answer to question 9, or a
call for help in a shared or private entry) and, for an open alert, the triggers, coping
steps and support circle of the plan the therapist shares with that client. Nothing of a
private entry is shown: only that the client asked for help in one."""

from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import versions
from accounts.form_errors import add_service_errors
from accounts.services import records_viewed_of_each
from accounts.validators import validate_text
from careplans.models import PlanItem, Section
from clients.models import JournalEntry, SupportDirection
from measures import instruments
from measures.models import Instrument, MeasureResponse
from safety import selectors, services
from safety.models import SafetyAlert, Source

LEVELS = dict(instruments.get(Instrument.PHQ9).options)
SUPPORTING = (SupportDirection.THEY_SUPPORT_ME, SupportDirection.MUTUAL)
WHAT = "safety alerts"  # the audit rows' detail


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What you did (required)",
        max_length=services.NOTE_MAX,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: “Phoned the client, safety plan reviewed.” The client can "
        "read this note in the download of their data.",
        error_messages={"required": "Write a short note on what you did."},
    )


@dataclass(frozen=True)
class AlertRow:
    alert: SafetyAlert
    client_url: str
    record_url: str = ""  # empty unless the client shares the record
    level: str = ""  # how often, in the questionnaire's words, for question 9
    triggers: list[PlanItem] = field(default_factory=list)
    circle: list[PlanItem] = field(default_factory=list)


def shared_record_urls(alerts: list[SafetyAlert]) -> dict:
    """{reference: url} for the journal entries behind these alerts that their client
    shares: one query."""
    refs = {a.reference: a for a in alerts if a.source == Source.JOURNAL}
    if not refs:
        return {}
    shared = JournalEntry.objects.filter(public_id__in=refs, shared=True).values_list(
        "public_id", flat=True
    )
    return {
        ref: reverse("therapist_record", args=[refs[ref].relationship.client.public_id, ref])
        for ref in shared
    }


def answer_levels(alerts: list[SafetyAlert]) -> dict:
    """{alert pk: level} for question-9 alerts: stored on the alert, or (for alerts raised
    before it was) read from the answers it points at, in one query."""
    levels = {a.pk: a.level for a in alerts if a.source == Source.PHQ9_ITEM9}
    missing = {a.reference: a.pk for a in alerts if levels.get(a.pk, 0) is None}
    if missing:
        answers = MeasureResponse.objects.filter(
            public_id__in=missing, instrument=Instrument.PHQ9
        ).values_list("public_id", "answers")
        for reference, values in answers:
            levels[missing[reference]] = values[instruments.PHQ9_SELF_HARM_ITEM]
    return levels


def plan_parts(therapist, alerts: list[SafetyAlert]) -> dict:
    """{relationship pk: (triggers, circle)} from the plans of these alerts' relationships,
    read through `visible_to`, so no other therapist's plan can appear: one query."""
    parts = defaultdict(lambda: ([], []))
    relationships = {a.relationship_id for a in alerts}
    if not relationships:
        return parts
    items = (
        PlanItem.objects.visible_to(therapist)
        .filter(
            plan__relationship__in=relationships, section__in=(Section.TRIGGERS, Section.CIRCLE)
        )
        .select_related("plan", "person")
        .order_by("position", "id")
    )
    for item in items:
        triggers, circle = parts[item.plan.relationship_id]
        if item.section == Section.TRIGGERS:
            triggers.append(item)
        elif item.person is not None and item.person.support in SUPPORTING:
            circle.append(item)
    return parts


def rows(alerts, *, therapist=None) -> list[AlertRow]:
    """The cards; with `therapist`, each one also carries its plan's triggers and circle."""
    alerts = list(alerts)
    urls = shared_record_urls(alerts)
    levels = answer_levels(alerts)
    plans = plan_parts(therapist, alerts) if therapist is not None else {}
    result = []
    for alert in alerts:
        level = levels.get(alert.pk)
        triggers, circle = plans.get(alert.relationship_id, ([], []))
        result.append(
            AlertRow(
                alert=alert,
                client_url=reverse(
                    "therapist_client_detail", args=[alert.relationship.client.public_id]
                ),
                record_url=urls.get(alert.reference, ""),
                level=LEVELS.get(level, "").lower() if level else "",
                triggers=triggers,
                circle=circle,
            )
        )
    return result


def alert_list(request, *, form=None, failed=None, status=200, audited=()):
    """The page; the cards show answers and plan content, a read of each client's records:
    an audit row for each client shown, but those in `audited` (written already)."""
    therapist = request.user
    open_rows = rows(selectors.alerts_for_therapist(therapist, status="open"), therapist=therapist)
    done_rows = rows(selectors.recently_acknowledged(therapist))
    done = {client.pk for client in audited}
    shown = {row.alert.relationship.client for row in (*open_rows, *done_rows)}
    records_viewed_of_each(
        viewer=therapist, clients=[c for c in shown if c.pk not in done], what=WHAT
    )
    return render(
        request,
        "therapists/alerts.html",
        {
            "open_rows": open_rows,
            "done_rows": done_rows,
            "recent_days": selectors.RECENT_DAYS,
            "form": form,
            "failed": failed,
        },
        status=status,
    )


def alerts(request):
    """From the page cache while neither the therapist nor any client shown has written
    anything (a new alert, an acknowledgement, a plan or entry changed: each a write of
    both people's data) and the minute is the same; the audit rows are written each time."""
    shown = selectors.clients_on_alerts_page(request.user)
    records_viewed_of_each(viewer=request.user, clients=shown, what=WHAT)
    return versions.cached_page(request, shown, lambda: alert_list(request, audited=shown))


@require_POST
def acknowledge(request, public_id):
    alert = selectors.get_alert_for_user(request.user, public_id)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.acknowledge(
                alert=alert, therapist=request.user, note=form.cleaned_data["note"]
            )
        except services.AlreadyAcknowledged as exc:
            who = exc.alert.acknowledged_by
            messages.info(
                request,
                f"This alert was already acknowledged{f' by {who}' if who else ''}; "
                "nothing was changed.",
            )
            return redirect("therapist_alerts")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Alert for {alert.relationship.client} acknowledged.")
            return redirect("therapist_alerts")
    return alert_list(request, form=form, failed=alert.pk, status=400)
