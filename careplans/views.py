"""Care plan pages, for the client and their therapist alike; who sees which plan is
decided by `CarePlan.objects.visible_to`, so strangers get 404."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import versions
from accounts.form_errors import add_service_errors, form_error_text, refused
from accounts.models import CareStatus, Role
from accounts.policy import care_relationships_visible_to, get_active_relationship_for_client
from accounts.services import records_viewed
from clients import services as record_services
from clients.models import Person
from homework.models import Assignment, AssignmentStatus

from . import selectors, services
from .forms import PlanItemForm, TriggerLogForm
from .models import Helped, Section


def _viewed(request, plan) -> None:
    records_viewed(viewer=request.user, client=plan.client, what="care plan")


def _people(request, plan):
    """The client's own list to choose from; None for the therapist, who never sees it."""
    if request.user.role != Role.CLIENT:
        return None
    return Person.objects.visible_to(request.user).filter(client_id=plan.client_id)


def _plan_url(plan, anchor: str = "") -> str:
    """The plan in its editing mode: where every change is made, and where it returns."""
    url = reverse("plan_detail", args=[plan.public_id]) + "?edit=1"
    return url + (f"#{anchor}" if anchor else "")


def client_plan(request):
    """ "My plan": the plan with the client's therapist (the first, if there are several)."""
    relationships = list(
        care_relationships_visible_to(request.user)
        .filter(status=CareStatus.ACTIVE)
        .select_related("therapist")
        .order_by("activated_at", "id")
    )
    if not relationships:
        return render(request, "careplans/no_plan.html")
    plan = services.plan_for_relationship(relationships[0])
    return redirect("plan_detail", plan.public_id)


def therapist_client_plan(request, public_id):
    relationship = get_active_relationship_for_client(request.user, public_id)
    plan = services.plan_for_relationship(relationship)
    return redirect("plan_detail", plan.public_id)


def plan_detail(request, public_id):
    plan = selectors.get_plan_for_user(request.user, public_id)
    _viewed(request, plan)

    def page():
        return render(
            request,
            "careplans/plan.html",
            {
                "page": selectors.plan_page(viewer=request.user, plan=plan),
                "plan": plan,
                "is_therapist": request.user.role == Role.THERAPIST,
                # A calm page to read; the per-item actions appear only while editing.
                "editing": request.GET.get("edit") == "1",
            },
        )

    return versions.cached_page(request, [plan.client], page)


def plan_history(request, public_id):
    plan = selectors.get_plan_for_user(request.user, public_id)
    _viewed(request, plan)
    versions = list(selectors.versions_of(plan))
    default_first, default_second = selectors.default_comparison(versions)
    try:
        first = int(request.GET.get("from", default_first))
        second = int(request.GET.get("to", default_second))
    except ValueError:
        raise Http404 from None
    changes = selectors.versions_diff(plan, first, second) if versions else []
    return render(
        request,
        "careplans/history.html",
        {
            "plan": plan,
            "versions": versions,
            "first": first,
            "second": second,
            "changes": changes,
            "is_therapist": request.user.role == Role.THERAPIST,
        },
    )


def item_add(request, public_id, section):
    plan = selectors.get_plan_for_user(request.user, public_id)
    if section not in Section.values:
        raise Http404
    form = PlanItemForm(
        request.POST if request.method == "POST" else None,
        section=section,
        people=_people(request, plan),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                item = services.item_add(
                    author=request.user, plan=plan, section=section, **form.service_fields()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Added to the plan.")
                return redirect(_plan_url(plan, f"item-{item.public_id}"))
        status = 400
    return render(
        request,
        "careplans/item_form.html",
        {"plan": plan, "form": form, "section": Section(section), "item": None},
        status=status,
    )


def item_edit(request, public_id):
    if request.method == "POST":
        removed = selectors.removed_item_version(request.user, public_id)
        if removed is not None:
            return _removed_meanwhile(request, removed)
    item = selectors.get_item_for_user(request.user, public_id)
    plan = item.plan
    initial = {
        "base_version": plan.version,
        "text": item.text,
        "signs": item.signs,
        "helps": item.helps,
        "steps": "\n".join(item.steps),
        "measure": item.measure,
        "review_date": item.review_date,
        "person": item.person.public_id if item.person_id else None,
    }
    form = PlanItemForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        section=item.section,
        people=_people(request, plan),
    )
    status, conflict = 200, None
    if request.method == "POST":
        if form.is_valid():
            try:
                services.item_edit(
                    author=request.user,
                    item=item,
                    base_version=form.cleaned_data["base_version"],
                    **form.service_fields(),
                )
            except services.PlanConflict as exc:
                conflict = exc
                plan.refresh_from_db()
                # Keep what they wrote; saving again now replaces the newer text knowingly.
                data = request.POST.copy()
                data["base_version"] = plan.version
                form = PlanItemForm(data, section=item.section, people=_people(request, plan))
                form.is_valid()
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                messages.success(request, "Saved.")
                return redirect(_plan_url(plan, f"item-{item.public_id}"))
        else:
            status = 400
    return render(
        request,
        "careplans/item_form.html",
        {
            "plan": plan,
            "form": form,
            "section": Section(item.section),
            "item": item,
            "conflict": conflict,
            "links": list(item.links.select_related("assignment")),
            "assignments": _linkable(request, item),
        },
        status=status,
    )


def _removed_meanwhile(request, version):
    """An edit of an item someone removed meanwhile: keep what was written, in a form that
    adds it back (409), so nothing is lost."""
    plan = version.plan
    form = PlanItemForm(request.POST, section=version.section, people=_people(request, plan))
    form.is_valid()
    conflict = services.PlanConflict(
        "This item was removed meanwhile.", current=None, yours={"text": request.POST.get("text")}
    )
    return render(
        request,
        "careplans/item_form.html",
        {
            "plan": plan,
            "form": form,
            "section": Section(version.section),
            "item": None,
            "conflict": conflict,
            "action": reverse("plan_item_add", args=[plan.public_id, version.section]),
        },
        status=409,
    )


def _linkable(request, item):
    if item.section not in (Section.GOALS, Section.TRIGGERS):
        return []
    return list(
        Assignment.objects.visible_to(request.user).filter(
            relationship_id=item.plan.relationship_id, status=AssignmentStatus.ACTIVE
        )
    )


@require_POST
def item_move(request, public_id):
    item = selectors.get_item_for_user(request.user, public_id)
    try:
        services.item_move(
            author=request.user,
            item=item,
            base_version=request.POST.get("base_version"),
            direction=request.POST.get("direction"),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_plan_url(item.plan, f"section-{item.section}"))


@require_POST
def item_remove(request, public_id):
    item = selectors.get_item_for_user(request.user, public_id)
    try:
        services.item_remove(
            author=request.user, item=item, base_version=request.POST.get("base_version")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Removed “{item.text}”.")
    return redirect(_plan_url(item.plan, f"section-{item.section}"))


@require_POST
def item_link(request, public_id):
    """Link homework to a goal or to one of a trigger's coping steps."""
    item = selectors.get_item_for_user(request.user, public_id)
    assignment = (
        Assignment.objects.visible_to(request.user)
        .filter(public_id=request.POST.get("assignment") or None)
        .first()
        if _is_uuid(request.POST.get("assignment"))
        else None
    )
    if assignment is None:
        messages.error(request, "Choose homework from the list.")
    else:
        try:
            services.homework_link(
                author=request.user, item=item, assignment=assignment, step=request.POST.get("step")
            )
        except (ValidationError, ValueError) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else "Choose a step."
            messages.error(request, text)
        else:
            messages.success(request, f"Linked “{assignment.title}”.")
    return redirect("plan_item_edit", item.public_id)


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@require_POST
def version_agree(request, public_id, number):
    plan = selectors.get_plan_for_user(request.user, public_id)
    version = selectors.get_version_for_user(request.user, plan, number)
    try:
        services.version_agree(therapist=request.user, version=version)
    except ValidationError as exc:  # the care relationship ended since the page was shown
        return refused(request, exc, back=reverse("plan_history", args=[plan.public_id]))
    messages.success(request, f"Version {version.number} marked as agreed in session.")
    return redirect("plan_history", plan.public_id)


# --- I'm triggered --------------------------------------------------------------------


def _active_relationships(request):
    return (
        care_relationships_visible_to(request.user)
        .filter(status=CareStatus.ACTIVE)
        .order_by("activated_at", "id")
    )


def triggered(request):
    """Tap one: which trigger? Every trigger of the client's plans, and "something else"."""
    has_therapist = _active_relationships(request).exists()
    items = selectors.triggers_of_client(request.user)
    return render(
        request, "careplans/triggered.html", {"items": items, "has_therapist": has_therapist}
    )


def triggered_steps(request, public_id=None):
    """Tap two: the coping steps on one calm screen, and a way to note it."""
    item = None
    if public_id is not None:
        item = selectors.get_trigger_for_client(request.user, public_id)
        plan = item.plan
    else:
        relationship = _active_relationships(request).first()
        if relationship is None:
            # Without a therapist there is no plan to note it in, but the calm screen helps.
            if request.method == "POST":
                raise Http404
            return render(request, "careplans/triggered_steps.html", {"item": None})
        plan = services.plan_for_relationship(relationship)
    relationships = list(
        _active_relationships(request).select_related("therapist", "sharing_preference")
    )
    form = TriggerLogForm(
        request.POST if request.method == "POST" else None,
        readers=[str(r.therapist) for r in relationships],
        plan_with=next(
            (str(r.therapist) for r in relationships if r.pk == plan.relationship_id),
            "your therapist",
        ),
        trigger=item.text if item is not None else "",
        initial={"shared": record_services.default_shared_among(relationships)},
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.trigger_log_create(
                    client=request.user,
                    plan=plan,
                    item=item,
                    note=form.cleaned_data["note"],
                    shared=form.cleaned_data["shared"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, "Noted. Later, you can say on Today whether it helped. Take care."
                )
                return redirect("client_home")
        messages.error(request, form_error_text(form))
    return render(
        request,
        "careplans/triggered_steps.html",
        {"item": item, "plan": plan, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def trigger_rate(request, public_id):
    log = selectors.get_log_for_user(request.user, public_id)
    helped = request.POST.get("helped", "")
    try:
        services.trigger_log_rate(client=request.user, log=log, helped=helped)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Thank you. “{Helped(helped).label}” is noted.")
    return redirect("client_home")
