"""The therapist's safety alerts: open ones first, then those acknowledged lately, and the
acknowledgement with a note. Nothing of a private entry is shown: only that the client asked
for help, and a link to the record when the client shared it."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.form_errors import add_service_errors
from clients.models import JournalEntry, validate_text
from safety import selectors, services
from safety.models import SafetyAlert, Source


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
    record_url: str  # empty unless the client shares the record


def shared_record_urls(alerts: list[SafetyAlert]) -> dict:
    """{reference: url} for the records behind these alerts that their client shares: one
    query per source. Alerts from other sources (measures) link nowhere yet."""
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


def rows(alerts) -> list[AlertRow]:
    alerts = list(alerts)
    urls = shared_record_urls(alerts)
    return [AlertRow(alert=a, record_url=urls.get(a.reference, "")) for a in alerts]


def alert_list(request, *, form=None, failed=None, status=200):
    therapist = request.user
    return render(
        request,
        "therapists/alerts.html",
        {
            "open_rows": rows(selectors.alerts_for_therapist(therapist, status="open")),
            "done_rows": rows(selectors.recently_acknowledged(therapist)),
            "recent_days": selectors.RECENT_DAYS,
            "form": form,
            "failed": failed,
        },
        status=status,
    )


def alerts(request):
    return alert_list(request)


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
