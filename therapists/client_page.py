"""Parts of the therapist's page of one client kept as fragments (accounts.fragments): the
fortnight's mood strip and the days shared, each drawn from plain values only, so a page
whose client wrote something that changes neither reads them back instead of drawing them
again (a fortnight of days took a tenth of the page's time to draw)."""

from django.urls import reverse
from django.utils.safestring import SafeString

from accounts import fragments
from progress.summary import MoodStrip, SharedDay

MOOD_STRIP = "therapists/_mood_strip.html"
SHARED_DAYS = "therapists/_shared_days.html"


def mood_strip(mood: MoodStrip) -> SafeString | str:
    """The strip of the last days' moods, oldest first; nothing without a mood to show."""
    if not mood.days_with_mood:
        return ""
    days = tuple((day.day, day.mood, day.level, day.text) for day in mood.days)
    [drawn] = fragments.drawn(MOOD_STRIP, [{"days": days}])
    return drawn


def shared_list(days: list[SharedDay], client) -> SafeString | str:
    """The days the client shared something, newest first, each kind linking to those
    records in the timeline; nothing when they shared nothing."""
    if not days:
        return ""
    shared = tuple((day.day, tuple(day.kinds)) for day in days)
    timeline = reverse("therapist_timeline", args=[client.public_id])
    [drawn] = fragments.drawn(SHARED_DAYS, [{"days": shared, "timeline_url": timeline}])
    return drawn
