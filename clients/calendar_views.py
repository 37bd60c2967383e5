from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from appointments.portal import feed_sessions
from homework import ical
from homework import services as homework_services
from homework.feed_settings import FeedPage, feed_settings
from homework.models import Assignment, AssignmentStatus
from homework.selectors import assignments_with_pauses


@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    """The client's own feed: turn it on or off, show titles, make a new link."""
    client = request.user
    return feed_settings(
        request,
        FeedPage(
            feed=ical.feed_for_client(client),
            enable=lambda: homework_services.feed_enable(client=client),
            set_titles=lambda feed, show: homework_services.feed_set_titles(
                feed=feed, show_titles=show
            ),
            revoke=lambda feed: homework_services.feed_revoke(feed=feed),
            disable=lambda feed: homework_services.feed_disable(feed=feed),
            url=ical.feed_url,
            page="client_calendar",
            template="clients/calendar.html",
            titles_shown="Your calendar shows homework titles.",
            titles_hidden="Your calendar shows “Homework — Tandem” instead of titles.",
        ),
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
