"""The therapist's calendar feed of all their sessions: the settings page (turn it on, see the
link, show names, make a new link, turn it off) and the feed itself, for calendar apps.

Built and protected as the client's feed (`clients.calendar_views`): the signed key in the URL
is the credential, nothing private is cached, a revoked or forged key is a 404."""

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.policy import mfa_satisfied
from appointments import feeds
from appointments.portal import feed_sessions
from homework import ical
from homework.feed_settings import FeedPage, feed_settings


@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    therapist = request.user
    return feed_settings(
        request,
        FeedPage(
            feed=feeds.feed_for_therapist(therapist),
            enable=lambda: feeds.feed_enable(therapist=therapist),
            set_titles=lambda feed, show: feeds.feed_set_titles(feed=feed, show_titles=show),
            revoke=lambda feed: feeds.feed_revoke(feed=feed),
            disable=lambda feed: feeds.feed_disable(feed=feed),
            url=feeds.feed_url,
            page="therapist_calendar",
            template="therapists/calendar.html",
            titles_shown="Your calendar shows “Session with” the name of each client.",
            titles_hidden="Your calendar shows “Session” instead of names.",
        ),
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
