"""Reminders and e-mails (preferences, push devices) in each portal, My week, Weekly review
and the one-click unsubscribe."""

from datetime import date

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts import versions
from accounts.clock import local_today
from accounts.form_errors import add_service_errors
from accounts.models import User
from homework.schedules import iso_week_label, iso_week_monday
from progress.caseload import on_caseload, review_week

from . import devices, push, selectors, services
from .emails import UNSUBSCRIBE_MAX_AGE, UNSUBSCRIBE_SALT
from .forms import DeviceNameForm, PreferencesForm
from .review_table import drawn_review_rows


def _preferences(request, template: str, done: str):
    prefs = services.preferences_for(request.user)
    form = PreferencesForm(
        request.POST or None,
        instance=prefs,
        initial={"timezone": request.user.timezone},
        therapist=request.user.is_therapist,
        push_enabled=push.enabled(),
    )
    if request.method == "POST" and form.is_valid():
        fields = {
            name: form.cleaned_data[name]
            for name in services.PREFERENCE_FIELDS
            if name in form.cleaned_data
        }
        if chosen := form.chosen_channels():
            fields["channels"] = chosen
        try:
            services.preferences_update(
                user=request.user, timezone_name=form.cleaned_data["timezone"], **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your settings are saved.")
            return redirect(done)
    prefs.refresh_from_db()
    context = {
        "form": form,
        "prefs": prefs,
        "devices": list(devices.visible_to(request.user)),
        "push_key": push.application_server_key(),
        "max_devices": push.MAX_DEVICES,
    }
    return render(request, template, context, status=400 if form.errors else 200)


def _settings_page(user) -> str:
    return "therapist_notifications" if user.is_therapist else "client_notifications"


@require_POST
def push_device_rename(request, public_id):
    device = get_object_or_404(devices.visible_to(request.user), public_id=public_id)
    form = DeviceNameForm(request.POST)
    if form.is_valid():
        devices.rename(device=device, name=form.cleaned_data["name"])
        messages.success(request, "The device is renamed.")
    else:
        messages.error(request, "Give the device a name of up to 60 characters.")
    return redirect(_settings_page(request.user))


@require_POST
def push_device_remove(request, public_id):
    device = get_object_or_404(devices.visible_to(request.user), public_id=public_id)
    devices.remove(device=device)
    messages.success(request, f"{device.name} will get no more notifications from Tandem.")
    return redirect(_settings_page(request.user))


@require_http_methods(["GET", "POST"])
def client_preferences(request):
    return _preferences(request, "notifications/client_preferences.html", "client_notifications")


@require_http_methods(["GET", "POST"])
def therapist_preferences(request):
    return _preferences(
        request, "notifications/therapist_preferences.html", "therapist_notifications"
    )


def _week(request, today: date) -> date:
    """The Monday of ?week=YYYY-MM-DD (bounded to the last year), else of this week."""
    this_monday = iso_week_monday(today)
    try:
        asked = iso_week_monday(date.fromisoformat(request.GET.get("week", "")))
    except ValueError:
        return this_monday
    if not (this_monday.replace(year=this_monday.year - 1) <= asked <= this_monday):
        return this_monday
    return asked


def client_my_week(request):
    today = local_today(request.user.timezone)
    monday = _week(request, today)
    week = selectors.client_week_summary(client=request.user, monday=monday, today=today)
    return render(
        request,
        "notifications/my_week.html",
        {"week": week, "label": iso_week_label(monday), "today": today, **_nav(monday, today)},
    )


def therapist_weekly_review(request):
    today = local_today(request.user.timezone)
    monday = _week(request, today)

    shown = on_caseload(request.user)

    def page():
        caseload = review_week(therapist=request.user, monday=monday, shown=shown)
        return render(
            request,
            "notifications/weekly_review.html",
            {
                "caseload": caseload,
                "rows": drawn_review_rows(caseload),
                "label": iso_week_label(monday),
                **_nav(monday, today),
            },
        )

    return versions.cached_page(request, shown, page)


def _nav(monday: date, today: date) -> dict:
    from datetime import timedelta

    previous = monday - timedelta(days=7)
    following = monday + timedelta(days=7)
    return {
        "previous_week": previous,
        "next_week": following if following <= iso_week_monday(today) else None,
    }


LIST_NAMES = {
    "reminders": "homework reminders",
    "digest": "the weekly summary",
    "replies": "notes about new replies",
    "sessions": "session reminders",
}


def _unsubscribe_target(token: str) -> tuple[User | None, str, str]:
    """(user, list, "") for a good token, else (None, "", why)."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired:
        return None, "", "expired"
    except signing.BadSignature:
        return None, "", "invalid"
    if not isinstance(payload, dict) or payload.get("l") not in LIST_NAMES:
        return None, "", "invalid"
    user = User.objects.filter(public_id=payload.get("u"), is_active=True).first()
    if user is None:
        return None, "", "invalid"
    return user, payload["l"], ""


@csrf_exempt  # RFC 8058: mail clients POST without cookies; the signed token is the key
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET shows a confirmation (mail scanners prefetch links); POST unsubscribes at once."""
    user, what, problem = _unsubscribe_target(token)
    if problem:
        return render(
            request,
            "notifications/unsubscribe.html",
            {"problem": problem},
            status=410 if problem == "expired" else 400,
        )
    done = request.method == "POST"
    if done:
        services.unsubscribe(user=user, what=what)
    return render(
        request,
        "notifications/unsubscribe.html",
        {"list_name": LIST_NAMES[what], "done": done, "role": user.role},
    )
