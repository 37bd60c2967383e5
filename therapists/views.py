from datetime import date
from itertools import groupby
from operator import attrgetter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import services, versions
from accounts.form_errors import add_service_errors, refused
from accounts.forms import InvitationForm
from accounts.models import CareStatus
from accounts.policy import (
    get_active_relationship_for_client,
    get_relationship_for_user,
)
from appointments.portal import relationship_sessions
from clients import record_lines
from clients import selectors as record_selectors
from clients import services as record_services
from clients.forms import FeedbackForm
from homework import selectors
from homework import services as homework_services
from homework.forms import (
    ASSIGNMENT_FIELDS,
    TEMPLATE_FIELDS,
    AssignmentForm,
    TemplateForm,
)
from notifications.selectors import next_reminder
from progress import caseload
from progress.caseload import home_relationships
from progress.summary import client_summary, recent_check_offs
from progress.waiting import waiting_for_therapist

from . import client_page
from .assigning import schedule_summary
from .caseload_table import drawn_row, drawn_rows, drawn_waiting
from .waiting import reply_waits, waiting_timeline


def home(request, form=None):
    """The caseload at a glance, pending invitations and the invite form."""
    sort = request.GET.get("sort") if request.GET.get("sort") in caseload.SORTS else "attention"

    shown = caseload.on_caseload(request.user)

    def page():
        now = timezone.now()
        zone = str(request.user.zone)
        rows = caseload.caseload_rows(
            therapist=request.user, sort=sort, shown=shown, draw=drawn_row, keep=False
        )
        relationships = home_relationships(therapist=request.user, now=now)
        # What waits of each client is kept with their row: one read of the cache for both.
        waiting = waiting_for_therapist(
            request.user,
            now,
            [*caseload.relationships_of(rows), *relationships.invited],
            activity=caseload.activity_of(rows),
            kept_counts=caseload.waiting_counts_of(rows),
        )
        caseload.keep_rows(rows, waiting.counted)
        return render(
            request,
            "therapists/home.html",
            {
                "rows": drawn_rows(rows, zone),
                "clients": len(rows),
                "sort": sort,
                "sorts": caseload.SORTS,
                "invited": relationships.invited,
                "left": relationships.left,
                "form": form or InvitationForm(),
                "waiting": waiting,
                "waiting_rows": drawn_waiting(waiting, zone),
                # Read only: the tick makes the row, with its first instant, within a minute.
                "reminder_prefs": next_reminder(request.user),
            },
        )

    # From the cache while neither the therapist nor any of their clients wrote anything
    # (an invitation, a client who left or joined is the therapist's own change), and
    # within the minute ("3 minutes ago"). A form with errors is never a GET.
    return versions.cached_page(request, shown, page)


@require_POST
def invite(request):
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(therapist=request.user, email=form.cleaned_data["email"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Invitation to {form.cleaned_data['email']} saved: "
                "the e-mail goes out within a minute.",
            )
            return redirect("therapist_home")
    response = home(request, form=form)
    response.status_code = 400
    return response


@require_POST
def invitation_resend(request, public_id):
    relationship = get_relationship_for_user(request.user, public_id, status=CareStatus.INVITED)
    try:
        services.invitation_resend(relationship=relationship)
    except ValidationError as exc:  # accepted or withdrawn since the page was shown
        return refused(request, exc, back=reverse("therapist_home"))
    messages.success(
        request,
        f"The invitation to {relationship.invited_email} will be e-mailed again within a minute.",
    )
    return redirect("therapist_home")


@require_POST
def invitation_revoke(request, public_id):
    relationship = get_relationship_for_user(request.user, public_id, status=CareStatus.INVITED)
    try:
        services.invitation_revoke(actor=request.user, relationship=relationship)
    except ValidationError as exc:  # accepted or withdrawn since the page was shown
        return refused(request, exc, back=reverse("therapist_home"))
    messages.success(request, f"Invitation to {relationship.invited_email} withdrawn.")
    return redirect("therapist_home")


WEEK_COUNT_LABELS = {
    "journal": ("journal entry", "journal entries"),
    "lifestyle": ("lifestyle log", "lifestyle logs"),
    "social": ("time with people", "times with people"),
    "completion": ("homework done", "homework done"),
}


def _day(value) -> date | None:
    return record_selectors.filter_day(value)


def timeline(request, public_id):
    """One client's shared records and check-offs, newest first (or, with ?waiting=1, only
    what waits for the therapist, oldest first): one audit row a view."""
    relationship = get_active_relationship_for_client(request.user, public_id)
    client = relationship.client
    services.records_viewed(viewer=request.user, client=client, what="timeline")
    if request.GET.get("waiting") == "1":
        # What waits changes with the client's records, the therapist's views and replies
        # (each a write of both people's data) and the minute: all in the cache's key.
        return versions.cached_page(
            request, [client], lambda: waiting_timeline(request, relationship)
        )
    # From the cache only while nothing changed since it was shown, and so nothing new
    # has been shown that the rendering below would mark as viewed.
    return versions.cached_page(request, [client], lambda: _timeline(request, client))


DAY = attrgetter("day")


def _timeline(request, client):
    kind = request.GET.get("kind")
    kinds = (kind,) if kind in record_selectors.TIMELINE_KINDS else record_selectors.TIMELINE_KINDS
    start, end = _day(request.GET.get("from")), _day(request.GET.get("to"))
    result = record_selectors.therapist_timeline(
        viewer=request.user,
        client=client,
        kinds=kinds,
        start=start,
        end=end,
        limit=100,
        lines=True,
    )
    records = [item for item in result.items if item.kind != "completion"]
    done = [item for item in result.items if item.kind == "completion"]
    record_services.mark_viewed(viewer=request.user, records=[item.record for item in records])
    lines = record_lines.for_therapist(client, records)
    lines += record_lines.completion_lines([item.record for item in done])
    for item, line in zip(records + done, lines, strict=True):
        item.line = line
    # Newest first, under a heading a day.
    days = record_lines.under_days(
        (day, [item.line for item in items]) for day, items in groupby(result.items, DAY)
    )
    counts = [
        (
            key,
            result.week_counts.get(key, 0),
            WEEK_COUNT_LABELS[key][result.week_counts.get(key, 0) != 1],
        )
        for key in record_selectors.TIMELINE_KINDS
    ]
    return render(
        request,
        "therapists/timeline.html",
        {
            "client": client,
            "days": days,
            "counts": counts,
            "kind": kind if kind in record_selectors.TIMELINE_KINDS else "",
            "kinds": record_selectors.TimelineKind.choices,
            "start": start,
            "end": end,
        },
    )


def record_detail(request, public_id, record_id):
    """A shared record and its feedback thread; the therapist writes feedback here."""
    relationship = get_active_relationship_for_client(request.user, public_id)
    client = relationship.client
    record = record_selectors.get_record_for_user(request.user, record_id)
    if record.client_id != client.pk:
        raise Http404
    record_services.record_opened(therapist=request.user, record=record)
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            record_services.feedback_create(
                author=request.user, record=record, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Feedback sent. {client} will see it.")
            return redirect("therapist_record", public_id=public_id, record_id=record_id)
    services.records_viewed(viewer=request.user, client=client, what="record")

    def page():
        thread = record_selectors.feedback_thread(viewer=request.user, record=record)
        return render(
            request,
            "therapists/record.html",
            {
                "client": client,
                "record": record,
                "kind": record_selectors.record_kind(record),
                "thread": thread,
                "reply_waits": reply_waits(thread, client),
                "form": form,
            },
            status=400 if request.method == "POST" else 200,
        )

    return versions.cached_page(request, [client], page)


def client_detail(request, public_id):
    """How the client is doing, from what they share; then their homework, grouped."""
    relationship = get_active_relationship_for_client(request.user, public_id)
    client = relationship.client
    services.records_viewed(viewer=request.user, client=client, what="summary")
    now = timezone.now()

    def page():
        summary = client_summary(therapist=request.user, relationship=relationship, now=now)
        return render(
            request,
            "therapists/client_detail.html",
            {
                "client": client,
                "relationship": relationship,
                "summary": summary,
                "report": summary.adherence,
                "check_offs": recent_check_offs(
                    viewer=request.user, client=client, today=summary.today
                ),
                "shared_days": summary.shared_days,
                "mood_strip": client_page.mood_strip(summary.mood),
                "shared_list": client_page.shared_list(summary.shared_days, client),
                "homework_rows": client_page.homework_rows(summary.adherence, request),
                "sessions": relationship_sessions(relationship, request.user.timezone, now),
            },
        )

    return versions.cached_page(request, [client], page)


@require_POST
def relationship_end(request, public_id):
    relationship = get_relationship_for_user(request.user, public_id, status=CareStatus.ACTIVE)
    try:
        services.relationship_end(actor=request.user, relationship=relationship)
    except ValidationError as exc:  # the client ended it, or a second click got there first
        return refused(request, exc, back=reverse("therapist_home"))
    messages.success(request, f"You no longer follow {relationship.client}.")
    return redirect("therapist_home")


# --- Homework ----------------------------------------------------------------------


def assign(request, public_id):
    """Step 2 of assigning: pick a template (or start from scratch)."""
    relationship = get_active_relationship_for_client(request.user, public_id)
    return render(
        request,
        "therapists/assign.html",
        {"client": relationship.client, "templates": selectors.templates_for(request.user)},
    )


def assign_form(request, public_id):
    """Step 3: the assignment form, filled in from the template; saving assigns it."""
    relationship = get_active_relationship_for_client(request.user, public_id)
    client = relationship.client
    template = None
    template_id = request.GET.get("template") or request.POST.get("template")
    if template_id:
        template = selectors.get_template_for_user(request.user, template_id)
    form = AssignmentForm(
        request.POST or None, initial=homework_services.assignment_defaults(template, client)
    )
    if request.method == "POST" and form.is_valid():
        try:
            homework_services.assignment_create(
                therapist=request.user,
                relationship=relationship,
                template=template,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Assigned “{form.cleaned_data['title']}” to {client}.")
            return redirect("therapist_client_detail", public_id=client.public_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "therapists/assignment_form.html",
        {"client": client, "template": template, "form": form, "summary": schedule_summary(form)},
        status=status,
    )


def assignment_edit(request, public_id):
    assignment = selectors.get_assignment_for_user(request.user, public_id)
    initial = {name: getattr(assignment, name) for name in ASSIGNMENT_FIELDS}
    form = AssignmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            homework_services.assignment_update(assignment=assignment, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Changes saved. Past completions are unchanged.")
            return redirect("therapist_client_detail", public_id=assignment.client.public_id)
    return render(
        request,
        "therapists/assignment_form.html",
        {
            "client": assignment.client,
            "assignment": assignment,
            "form": form,
            "summary": schedule_summary(form),
        },
        status=400 if request.method == "POST" else 200,
    )


def _lifecycle(action, done_message):
    @require_POST
    def view(request, public_id):
        assignment = selectors.get_assignment_for_user(request.user, public_id)
        try:
            action(assignment=assignment)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done_message.format(title=assignment.title))
        return redirect("therapist_client_detail", public_id=assignment.client.public_id)

    return view


assignment_pause = _lifecycle(homework_services.assignment_pause, "Paused “{title}”.")
assignment_resume = _lifecycle(homework_services.assignment_resume, "Resumed “{title}”.")
assignment_end = _lifecycle(homework_services.assignment_end, "Ended “{title}”.")


def templates(request):
    return render(
        request, "therapists/templates.html", {"templates": selectors.templates_for(request.user)}
    )


def template_new(request):
    """Save a template of one's own, optionally starting from a shared one."""
    initial = {}
    source_id = request.GET.get("from")
    if source_id:
        source = selectors.get_template_for_user(request.user, source_id)
        initial = {name: getattr(source, name) for name in TEMPLATE_FIELDS}
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            homework_services.template_create(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Template saved. Only you can see it.")
            return redirect("therapist_templates")
    return render(
        request,
        "therapists/template_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def template_edit(request, public_id):
    template = selectors.get_own_template_for_user(request.user, public_id)
    initial = {name: getattr(template, name) for name in TEMPLATE_FIELDS}
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            homework_services.template_update(template=template, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Template saved.")
            return redirect("therapist_templates")
    return render(
        request,
        "therapists/template_form.html",
        {"form": form, "template": template},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def template_delete(request, public_id):
    template = selectors.get_own_template_for_user(request.user, public_id)
    homework_services.template_delete(template=template)
    messages.success(request, f"Deleted “{template.title}”. Assignments made from it remain.")
    return redirect("therapist_templates")
