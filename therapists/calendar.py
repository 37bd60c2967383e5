"""The therapist's calendar feed of all their sessions: the settings page (turn it on, see the
link, show names, make a new link, turn it off) and the feed itself, for calendar apps.

Built and protected as the client's feed (`clients.calendar_views`): the signed key in the URL
is the credential, nothing private is cached, a revoked or forged key is a 404."""

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.policy import mfa_satisfied
from appointments import feeds
from appointments.portal import feed_sessions
from homework import ical

FEED_ACTIONS = {"enable", "titles", "revoke", "disable"}
NEEDS_FEED = {"titles", "revoke"}


@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    feed = feeds.feed_for_therapist(request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in FEED_ACTIONS:
            return HttpResponseBadRequest("Unknown action.")
        if action in NEEDS_FEED and feed is None:
            messages.info(request, "Your calendar link is off. Turn it on first.")
            return redirect("therapist_calendar")
        match action:
            case "enable":
                feeds.feed_enable(therapist=request.user)
                messages.success(request, "Your calendar link is ready.")
            case "titles":
                show = request.POST.get("show_titles") == "on"
                feeds.feed_set_titles(feed=feed, show_titles=show)
                messages.success(
                    request,
                    "Your calendar shows “Session with” the name of each client."
                    if show
                    else "Your calendar shows “Session” instead of names.",
                )
            case "revoke":
                feeds.feed_revoke(feed=feed)
                messages.success(
                    request, "You have a new calendar link. The old one no longer works."
                )
            case "disable":
                if feed is not None:
                    feeds.feed_disable(feed=feed)
                messages.success(request, "Your calendar link is off. The old one no longer works.")
        return redirect("therapist_calendar")
    url = feeds.feed_url(feed) if feed is not None else ""
    return render(
        request,
        "therapists/calendar.html",
        {
            "feed": feed,
            "feed_url": url,
            # webcal:// opens the calendar app's "subscribe" dialog on most devices.
            "webcal_url": "webcal://" + url.split("://", 1)[1] if url else "",
        },
    )


@require_safe
def calendar_feed(request, token: str):
    """The feed itself, for calendar apps: no session, the signed key is the credential. A
    therapist who may not see their clients (no two-factor sign-in where it is required)
    gets nothing from it either."""
    feed = feeds.feed_from_token(token)
    if feed is None or not mfa_satisfied(feed.therapist):
        raise Http404
    now = timezone.now()
    body = ical.render_sessions_calendar(
        sessions=feed_sessions(therapist=feed.therapist, now=now),
        show_titles=feed.show_titles,
        now=now,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="tandem-sessions.ics"'
    return response
