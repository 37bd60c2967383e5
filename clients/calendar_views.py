from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from appointments.portal import feed_sessions
from homework import ical
from homework import services as homework_services
from homework.models import Assignment, AssignmentStatus
from homework.selectors import assignments_with_pauses

FEED_ACTIONS = {"enable", "titles", "revoke", "disable"}
NEEDS_FEED = {"titles", "revoke"}


@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    """The client's own feed: turn it on or off, show titles, make a new link."""
    feed = ical.feed_for_client(request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in FEED_ACTIONS:
            return HttpResponseBadRequest("Unknown action.")
        if action in NEEDS_FEED and feed is None:
            messages.info(request, "Your calendar link is off. Turn it on first.")
            return redirect("client_calendar")
        match action:
            case "enable":
                homework_services.feed_enable(client=request.user)
                messages.success(request, "Your calendar link is ready.")
            case "titles":
                show = request.POST.get("show_titles") == "on"
                homework_services.feed_set_titles(feed=feed, show_titles=show)
                messages.success(
                    request,
                    "Your calendar shows homework titles."
                    if show
                    else "Your calendar shows “Homework — Tandem” instead of titles.",
                )
            case "revoke":
                homework_services.feed_revoke(feed=feed)
                messages.success(
                    request, "You have a new calendar link. The old one no longer works."
                )
            case "disable":
                if feed is not None:
                    homework_services.feed_disable(feed=feed)
                messages.success(request, "Your calendar link is off. The old one no longer works.")
        return redirect("client_calendar")
    url = ical.feed_url(feed) if feed is not None else ""
    return render(
        request,
        "clients/calendar.html",
        {
            "feed": feed,
            "feed_url": url,
            # webcal:// opens the calendar app's "subscribe" dialog on most phones.
            "webcal_url": "webcal://" + url.split("://", 1)[1] if url else "",
        },
    )


@require_safe
def calendar_feed(request, token: str):
    """The feed itself, for calendar apps: no session, the signed key is the credential."""
    feed = ical.feed_from_token(token)
    if feed is None:
        raise Http404
    # The one read by key rather than by `visible_to(user)`: there is no signed-in user.
    now = timezone.now()
    assignments = assignments_with_pauses(
        Assignment.objects.in_care()
        .filter(client=feed.client)
        .exclude(status=AssignmentStatus.ENDED)
    )
    body = ical.render_calendar(
        assignments=assignments,
        show_titles=feed.show_titles,
        now=now,
        sessions=feed_sessions(client=feed.client, now=now),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="tandem.ics"'
    return response
