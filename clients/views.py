from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import services, versions
from accounts.clock import local_today
from accounts.form_errors import add_service_errors, form_error_text, refused
from accounts.models import AuditAction, CareStatus
from accounts.policy import care_relationships_visible_to, get_relationship_for_user
from careplans.selectors import journal_trigger_choices
from homework import selectors
from homework import services as homework_services
from homework.forms import CompletionForm
from homework.models import Completion

from . import record_lines
from . import selectors as record_selectors
from . import services as record_services
from .export import export_zip
from .forms import (
    ErasureForm,
    FeedbackForm,
    JournalForm,
    LifestyleForm,
    PersonForm,
    SharingForm,
    SocialForm,
)
from .models import LIFESTYLE_LOG_FIELDS, JournalEntry, LifestyleLog, Person, SocialActivity
from .today import new_replies, today_page, week_page


def _relationships(request):
    return (
        care_relationships_visible_to(request.user)
        .filter(status=CareStatus.ACTIVE)
        .select_related("therapist")
    )


def _names(relationships) -> str:
    return " and ".join(str(r.therapist) for r in relationships)


def home(request):
    """Today: replies not read yet, what is open, what is done, past days not logged yet,
    and quick entries."""
    return versions.cached_page(request, [], lambda: _home(request))


def _home(request):
    relationships = list(_relationships(request).select_related("sharing_preference"))
    page = today_page(client=request.user, readers={r.pk: str(r.therapist) for r in relationships})
    replies = new_replies(record_selectors.unread_replies(client=request.user))
    names = _names(relationships)
    logged = record_selectors.logged_today(client=request.user, today=page.today)
    people = list(Person.objects.visible_to(request.user))
    shared = record_services.default_shared_among(relationships)
    return render(
        request,
        "clients/home.html",
        {
            "relationships": relationships,
            "page": page,
            "therapist_names": names,
            "logged": logged,
            "people": people,
            "share_default": shared,
            "mood_choices": range(11),
            "new_replies": replies,
        },
    )


def account(request):
    """The client's account: their therapists, what they share by default, their data."""
    relationships = list(_relationships(request).select_related("sharing_preference"))
    for relationship in relationships:
        preference = getattr(relationship, "sharing_preference", None)
        relationship.shares_by_default = bool(preference and preference.share_by_default)
    return render(request, "clients/account.html", {"relationships": relationships})


def week(request):
    def page():
        readers = {r.pk: str(r.therapist) for r in _relationships(request)}
        days, today = week_page(client=request.user, readers=readers)
        return render(request, "clients/week.html", {"days": days, "today": today})

    return versions.cached_page(request, [], page)


def _back(request):
    return redirect("client_week" if request.POST.get("next") == "week" else "client_home")


@require_POST
def complete(request, public_id):
    """Check off one occurrence, with an optional note: one tap on a phone."""
    assignment = selectors.get_assignment_for_user(request.user, public_id)
    form = CompletionForm(request.POST)
    if form.is_valid():
        try:
            homework_services.completion_create(
                client=request.user,
                assignment=assignment,
                due_date=form.cleaned_data["due_date"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        messages.error(request, form_error_text(form))
    else:
        messages.success(request, f"Done: {assignment.title}. Well done.")
    return _back(request)


@require_POST
def undo(request, public_id):
    completion = get_object_or_404(
        Completion.objects.visible_to(request.user).select_related("assignment"),
        public_id=public_id,
    )
    try:
        homework_services.completion_undo(client=request.user, completion=completion)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Undone: {completion.assignment.title}.")
    return _back(request)


@require_POST
def relationship_end(request, public_id):
    relationship = get_relationship_for_user(request.user, public_id, status=CareStatus.ACTIVE)
    try:
        services.relationship_end(actor=request.user, relationship=relationship)
    except ValidationError as exc:  # the therapist ended it, or a second click got there first
        return refused(request, exc, back=reverse("client_account"))
    messages.success(request, f"{relationship.therapist} no longer sees your records.")
    return redirect("client_account")


# --- Records ---------------------------------------------------------------------------


def _posted(request):
    """The form's data on a POST (even an empty one, which must still be validated)."""
    return request.POST if request.method == "POST" else None


def _form_page(request, template: str, context: dict, *, posted: bool):
    return render(request, template, context, status=400 if posted else 200)


def _after_save(request, record, message: str):
    messages.success(request, message)
    if request.POST.get("next") == "today":
        return redirect("client_home")
    return redirect("client_record", public_id=record.public_id)


def _help_now(request, form=None, not_saved: dict | None = None):
    """After "I need help now": saved, and straight to where help is right now, saying
    what (if anything) had to be left out to save it."""
    messages.success(request, "Saved to your journal.")
    if not_saved:
        fields = form.fields if form is not None else {}
        parts = [
            f"{getattr(fields.get(name), 'label', None) or name.replace('_', ' ').capitalize()}: "
            + " ".join(errors)
            for name, errors in not_saved.items()
        ]
        messages.warning(request, "Some of it could not be saved. " + " ".join(parts))
    return redirect("crisis")


def _asks_for_help(form) -> bool:
    """The posted form sets "I need help now" (whatever else in it is wrong)."""
    field = form.fields.get("needs_help")
    try:
        return (
            field is not None
            and field.clean(
                field.widget.value_from_datadict(
                    form.data, form.files, form.add_prefix("needs_help")
                )
            )
            is True
        )
    except ValidationError:
        return False


def _without_errors(form, make_form):
    """A call for help is never refused: the form remade without the fields in error, and
    those fields' messages."""
    left_out = {name: list(errors) for name, errors in form.errors.items() if name in form.fields}
    data = form.data.copy()
    for name in left_out:
        data.pop(name, None)
    return make_form(data), left_out


def _parse_day(value) -> date | None:
    return record_selectors.filter_day(value)


def journal(request):
    """All of the client's records, newest first, filtered by kind, month or dates, sharing
    and words they wrote, with the months that hold records to jump to."""
    return versions.cached_page(request, [], lambda: _journal(request))


def _journal(request):
    kind = request.GET.get("kind")
    kinds = (kind,) if kind in record_selectors.RECORD_KINDS else record_selectors.RECORD_KINDS
    shared = {"shared": True, "private": False}.get(request.GET.get("shared"))
    search = (request.GET.get("q") or "").strip()[: record_selectors.SEARCH_MAX]
    month = record_selectors.filter_month(request.GET.get("month"))
    if month is not None:
        start, end = month
    else:
        start, end = _parse_day(request.GET.get("from")), _parse_day(request.GET.get("to"))
    page, rows = record_selectors.client_records(
        client=request.user,
        kinds=kinds,
        start=start,
        end=end,
        shared=shared,
        search=search,
        page=request.GET.get("page") or 1,
    )
    months = record_selectors.record_months(
        client=request.user, kinds=kinds, shared=shared, search=search
    )
    query = request.GET.copy()
    query.pop("page", None)
    month_query = request.GET.copy()
    for name in ("page", "month", "from", "to"):
        month_query.pop(name, None)
    unsearched_query = query.copy()
    unsearched_query.pop("q", None)
    url = record_lines.record_urls("client_record")
    return render(
        request,
        "clients/journal.html",
        {
            "page": page,
            "lines": record_lines.drawn(
                [
                    record_lines.line(
                        row.record,
                        kind=row.kind,
                        url=url(row.record.public_id),
                        zone=str(request.user.zone),
                    )
                    for row in rows
                ]
            ),
            "kind": kind if kind in record_selectors.RECORD_KINDS else "",
            "kinds": record_selectors.RECORD_KIND_LABELS,
            "shared": request.GET.get("shared", ""),
            "search": search,
            "searched": bool(record_selectors.search_words(search)),
            "month": month[0] if month else None,
            "months": record_selectors.months_by_year(months),
            "start": None if month else start,
            "end": None if month else end,
            "query": query.urlencode(),
            "month_query": month_query.urlencode(),
            "unsearched_query": unsearched_query.urlencode(),
        },
    )


def _therapists(request) -> str:
    return _names(_relationships(request))


def journal_new(request):
    """A journal entry: the full form, or a quick one posted from Today."""
    client = request.user
    therapists = _therapists(request)
    linked = request.GET.get("assignment") or request.POST.get("assignment")
    initial = {"shared": False if linked else record_services.default_shared(client)}
    if linked:
        initial["assignment"] = linked
    with timezone.override(client.zone):
        offered = journal_trigger_choices(client)

        def make_form(data):
            return JournalForm(
                data,
                client=client,
                therapists=therapists,
                initial=initial,
                triggers_offered=offered,
            )

        form, left_out = make_form(_posted(request)), {}
        if request.method == "POST" and not form.is_valid() and _asks_for_help(form):
            form, left_out = _without_errors(form, make_form)
        if request.method == "POST" and form.is_valid():
            try:
                entry = record_services.journal_create(
                    client=client,
                    assignment=form.cleaned_data.get("assignment"),
                    **form.service_fields(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if entry.needs_help:
                    return _help_now(request, form, {**left_out, **entry.not_saved})
                return _after_save(request, entry, "Saved to your journal.")
        return _form_page(
            request,
            "clients/journal_form.html",
            {"form": form, "therapists": therapists},
            posted=request.method == "POST",
        )


def lifestyle_new(request):
    """Today's lifestyle log (or another day's); a day that has one opens it for editing."""
    client = request.user
    day = _parse_day(request.GET.get("day")) or local_today(client.timezone)
    if request.method == "GET":
        existing = LifestyleLog.objects.filter(client=client, day=day).first()
        if existing is not None:
            return redirect("client_record_edit", public_id=existing.public_id)
    therapists = _therapists(request)
    form = LifestyleForm(
        _posted(request),
        client=client,
        therapists=therapists,
        initial={"day": day, "shared": record_services.default_shared(client)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            log = record_services.lifestyle_create(client=client, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_save(request, log, "Saved your day.")
    return _form_page(
        request,
        "clients/lifestyle_form.html",
        {"form": form, "therapists": therapists},
        posted=request.method == "POST",
    )


def social_new(request):
    client = request.user
    therapists = _therapists(request)
    form = SocialForm(
        _posted(request),
        client=client,
        therapists=therapists,
        initial={
            "day": local_today(client.timezone),
            "shared": record_services.default_shared(client),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            activity = record_services.social_create(client=client, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_save(request, activity, "Saved. Time with people matters.")
    return _form_page(
        request,
        "clients/social_form.html",
        {
            "form": form,
            "therapists": therapists,
            "has_people": form.fields["person"].queryset.exists(),
        },
        posted=request.method == "POST",
    )


def _own_record(request, public_id):
    return record_selectors.get_record_for_user(request.user, public_id)


def record_detail(request, public_id):
    """One of the client's records, its feedback thread and when it was first seen."""
    record = _own_record(request, public_id)
    thread = record_selectors.feedback_thread(viewer=request.user, record=record)
    record_services.feedback_mark_read(client=request.user, record=record, thread=thread)

    def page():
        can_reply = record.shared and any(f.author_id != request.user.pk for f in thread)
        return render(
            request,
            "clients/record.html",
            {
                "record": record,
                "kind": record_selectors.record_kind(record),
                "thread": thread,
                "reply_form": FeedbackForm() if can_reply else None,
                "therapists": _therapists(request),
                "completes": list(record.completions.select_related("assignment")),
            },
        )

    # Reading the thread marked its replies read (a write): only the next view can come
    # from the cache, once nothing is new.
    return versions.cached_page(request, [], page)


EDIT = {
    JournalEntry: (JournalForm, "clients/journal_form.html", "journal_update", "entry"),
    LifestyleLog: (LifestyleForm, "clients/lifestyle_form.html", "lifestyle_update", "log"),
    SocialActivity: (SocialForm, "clients/social_form.html", "social_update", "activity"),
}
INITIAL_FIELDS = {
    LifestyleLog: (
        *LIFESTYLE_LOG_FIELDS,
        "shared",
    ),
    SocialActivity: ("day", "mode", "minutes", "feeling", "support", "note", "shared"),
}


def record_edit(request, public_id):
    record = _own_record(request, public_id)
    form_class, template, service, argument = EDIT[type(record)]
    if isinstance(record, JournalEntry):
        initial = JournalForm.initial_for(record)
    else:
        initial = {name: getattr(record, name) for name in INITIAL_FIELDS[type(record)]}
        if isinstance(record, SocialActivity) and record.person is not None:
            initial["person"] = record.person.public_id
    kwargs = {"editing": True} if form_class is not SocialForm else {}
    if form_class is JournalForm:
        kwargs["triggers_offered"] = journal_trigger_choices(request.user)
    therapists = _therapists(request)
    asked_before = getattr(record, "needs_help", False)
    with timezone.override(request.user.zone):

        def make_form(data):
            return form_class(
                data, client=request.user, therapists=therapists, initial=initial, **kwargs
            )

        form, left_out = make_form(_posted(request)), {}
        if (
            request.method == "POST"
            and not asked_before
            and not form.is_valid()
            and _asks_for_help(form)
        ):
            form, left_out = _without_errors(form, make_form)
        if request.method == "POST" and form.is_valid():
            try:
                fields = form.service_fields()
                for name in left_out:  # a field left out keeps its saved value
                    fields.pop(name, None)
                saved = getattr(record_services, service)(**{argument: record}, **fields)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if getattr(saved, "needs_help", False) and not asked_before:
                    return _help_now(request, form, {**left_out, **saved.not_saved})
                return _after_save(request, record, "Changes saved.")
        context = {"form": form, "record": record, "therapists": therapists}
        if isinstance(record, SocialActivity):
            context["has_people"] = form.fields["person"].queryset.exists()
        return _form_page(request, template, context, posted=request.method == "POST")


@require_POST
def record_delete(request, public_id):
    record = _own_record(request, public_id)
    record_services.record_delete(record=record)
    messages.success(request, "Deleted.")
    return redirect("client_journal")


@require_POST
def record_unlink(request, public_id):
    """One tap: this record is not for that homework."""
    record = _own_record(request, public_id)
    assignment = selectors.get_assignment_for_user(request.user, request.POST.get("assignment"))
    try:
        record_services.record_unlink(record=record, assignment=assignment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"No longer counted for “{assignment.title}”.")
    return redirect("client_record", public_id=record.public_id)


@require_POST
def record_share(request, public_id):
    """Share a record, or make it private again: the therapist stops seeing it at once."""
    record = _own_record(request, public_id)
    shared = request.POST.get("shared") == "1"
    record_services.record_sharing_set(record=record, shared=shared)
    messages.success(
        request, "Shared with your therapist." if shared else "Private now: only you can see it."
    )
    return redirect("client_record", public_id=record.public_id)


@require_POST
def record_reply(request, public_id):
    record = _own_record(request, public_id)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            record_services.feedback_create(
                author=request.user, record=record, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        messages.error(request, form_error_text(form))
    else:
        messages.success(request, "Reply sent.")
    return redirect("client_record", public_id=record.public_id)


# --- People ----------------------------------------------------------------------------


def people(request):
    """The client's own list of people; nobody else sees it."""
    form = PersonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            person = record_services.person_create(client=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Added {person.name}.")
            return redirect("client_people")
    return _form_page(
        request,
        "clients/people.html",
        {"people": Person.objects.visible_to(request.user), "form": form},
        posted=request.method == "POST",
    )


def _own_person(request, public_id) -> Person:
    return get_object_or_404(Person.objects.visible_to(request.user), public_id=public_id)


def person_edit(request, public_id):
    person = _own_person(request, public_id)
    form = PersonForm(
        _posted(request),
        initial={"name": person.name, "kind": person.kind, "support": person.support},
    )
    if request.method == "POST" and form.is_valid():
        try:
            record_services.person_update(person=person, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect("client_people")
    return _form_page(
        request,
        "clients/person_form.html",
        {"form": form, "person": person},
        posted=request.method == "POST",
    )


@require_POST
def person_delete(request, public_id):
    person = _own_person(request, public_id)
    record_services.person_delete(person=person)
    messages.success(request, f"Removed {person.name} from your list. Your records stay.")
    return redirect("client_people")


# --- Account: sharing default, export, erasure -------------------------------------------


@require_POST
def sharing_set(request, public_id):
    relationship = get_relationship_for_user(request.user, public_id, status=CareStatus.ACTIVE)
    form = SharingForm(request.POST)
    form.is_valid()
    on = form.cleaned_data.get("share_by_default", False)
    record_services.sharing_default_set(
        client=request.user, relationship=relationship, share_by_default=on
    )
    if on:
        messages.success(request, f"New records will be shared with {relationship.therapist}.")
    else:
        messages.success(request, "New records will be private unless you choose to share them.")
    return redirect("client_account")


def export(request):
    """Everything Tandem holds about the client, as a zip."""
    body = export_zip(request.user)
    services.audit(action=AuditAction.EXPORT, actor=request.user, subject=request.user)
    response = HttpResponse(body, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="tandem-export.zip"'
    return response


def erase(request):
    """Delete the account, after the password is typed again."""
    form = ErasureForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            record_services.account_erase(
                client=request.user, password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # The account is gone: end the session without a sign-out audit (no actor left).
            request.session.flush()
            return redirect("goodbye")
    return _form_page(
        request, "clients/erase.html", {"form": form}, posted=request.method == "POST"
    )


def goodbye(request):
    return render(request, "clients/goodbye.html")
